// Coordinates every local S3 server shares unless told otherwise. s3rver ignores the region in
// signatures but its continuation tokens name us-east-1, so that is the region clients use.
export const LOCAL_REGION = "us-east-1";
export const DEFAULT_ACCESS_KEY_ID = "nacre-local";
export const DEFAULT_SECRET_ACCESS_KEY = "nacre-local-secret";

/** The line s3-server-main.ts prints once the server answers. */
export interface S3ServerReadyLine {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  buckets: string[];
}
