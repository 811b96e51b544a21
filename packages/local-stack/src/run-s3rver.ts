// Runs @20minutes/s3rver in this process. Only s3-server-main.ts calls it: the server's paginated
// listing encrypts continuation tokens with DES, which OpenSSL 3 only offers with
// --openssl-legacy-provider, so it must live in a child process started with that flag.
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

// s3rver ships no types; these are the few members used here.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

const require = createRequire(import.meta.url);

/** Options of an in-process s3rver. */
export interface RunS3rverOptions {
  dir: string;
  port: number;
  buckets: string[];
  accessKeyId: string;
  secretAccessKey: string;
  verbose?: boolean;
}

/** Starts s3rver on 127.0.0.1 with one key pair and the given buckets; resolves once it listens. */
export async function runS3rver(options: RunS3rverOptions): Promise<{ port: number; close(): Promise<void> }> {
  const S3rver = require("@20minutes/s3rver") as S3rverConstructor;
  const { DUMMY_ACCOUNT } = require("@20minutes/s3rver/lib/models/account.js") as {
    DUMMY_ACCOUNT: S3rverAccount;
  };
  // s3rver always knows the key pair S3RVER/S3RVER; revoke it so that only the configured
  // credentials work and a test of wrong credentials means something.
  DUMMY_ACCOUNT.createKeyPair(options.accessKeyId, options.secretAccessKey);
  if (options.accessKeyId !== "S3RVER") DUMMY_ACCOUNT.revokeAccessKey("S3RVER");

  await mkdir(options.dir, { recursive: true });
  const server = new S3rver({
    address: "127.0.0.1",
    port: options.port,
    directory: options.dir,
    silent: !options.verbose,
    // path-style only: a host name is never taken for a bucket name
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  return { port: address.port, close: () => server.close() };
}
