// The local S3 server's patches, through the AWS SDK configured as this package configures it
// (they live here because @nacre/local-stack does not depend on the SDK).
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { useS3Server } from "@nacre/local-stack/vitest";
import { describe, expect, it } from "vitest";
import { createS3Context } from "./s3-context.ts";
import { DEFAULT_S3_TUNING } from "./s3-tuning.ts";

const BUCKET = "patched";
const server = useS3Server({ buckets: [BUCKET] });

function client(secretAccessKey?: string) {
  const s = server();
  return createS3Context(
    { endpoint: s.endpoint, region: s.region, bucket: BUCKET, accessKeyId: s.accessKeyId, secretAccessKey: secretAccessKey ?? s.secretAccessKey },
    DEFAULT_S3_TUNING,
  ).client;
}

describe("local S3 server through the AWS SDK", () => {
  it("verifies signatures of bucket requests sent as /bucket/ (trailing-slash patch)", async () => {
    await client().send(new HeadBucketCommand({ Bucket: BUCKET }));
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: "a/b", Body: "x" }));
    const listed = await client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "a/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["a/b"]);
  });

  it("still rejects a wrong signature", async () => {
    await expect(client("wrong").send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
    });
  });

  it("implements AbortMultipartUpload: 204, parts deleted, later parts refused (abort patch)", async () => {
    const { UploadId } = await client().send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "mpu" }));
    await client().send(new UploadPartCommand({ Bucket: BUCKET, Key: "mpu", UploadId, PartNumber: 1, Body: Buffer.alloc(4096, 1) }));
    expect(await server().unfinishedUploads(BUCKET)).toEqual([UploadId]);

    const aborted = await client().send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "mpu", UploadId }));
    expect(aborted.$metadata.httpStatusCode).toBe(204);
    expect(await server().unfinishedUploads(BUCKET)).toEqual([]);
    await expect(
      client().send(new UploadPartCommand({ Bucket: BUCKET, Key: "mpu", UploadId, PartNumber: 2, Body: "late" })),
    ).rejects.toMatchObject({ name: "NoSuchUpload" });
    await expect(client().send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "mpu", UploadId }))).rejects.toMatchObject({
      name: "NoSuchUpload",
    });
  });
});
