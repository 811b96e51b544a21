// Names the S3 operation of a path-style request, so failure rules can say "the 2nd UploadPart"
// instead of matching URLs. Only the operations a backup store uses get their own name.

export type S3RequestKind =
  | "ListBuckets"
  | "HeadBucket"
  | "ListObjects"
  | "ListMultipartUploads"
  | "DeleteObjects"
  | "GetObject"
  | "HeadObject"
  | "PutObject"
  | "CopyObject"
  | "DeleteObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "Other";

/** Classifies a path-style S3 request by method, path, query and the copy-source header. */
export function classifyS3Request(method: string, url: string, headers: Record<string, unknown>): S3RequestKind {
  const { pathname, searchParams } = new URL(url, "http://proxy.invalid");
  // "/bucket", "/bucket/" and "/bucket/key..." (keys may contain and end with "/")
  const path = pathname.slice(1);
  const slash = path.indexOf("/");
  const bucket = slash < 0 ? path : path.slice(0, slash);
  const key = slash < 0 ? "" : path.slice(slash + 1);
  const has = (name: string): boolean => searchParams.has(name);
  const copy = "x-amz-copy-source" in headers;
  const m = method.toUpperCase();

  if (bucket === "") return m === "GET" ? "ListBuckets" : "Other";
  if (key === "") {
    if (m === "HEAD") return "HeadBucket";
    if (m === "GET") return has("uploads") ? "ListMultipartUploads" : "ListObjects";
    if (m === "POST" && has("delete")) return "DeleteObjects";
    return "Other";
  }
  switch (m) {
    case "GET":
      if (has("uploadId")) return "ListParts";
      return has("tagging") || has("acl") ? "Other" : "GetObject";
    case "HEAD":
      return "HeadObject";
    case "PUT":
      if (has("uploadId") && has("partNumber")) return copy ? "UploadPartCopy" : "UploadPart";
      if (has("tagging") || has("acl")) return "Other";
      return copy ? "CopyObject" : "PutObject";
    case "POST":
      if (has("uploads")) return "CreateMultipartUpload";
      return has("uploadId") ? "CompleteMultipartUpload" : "Other";
    case "DELETE":
      return has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    default:
      return "Other";
  }
}
