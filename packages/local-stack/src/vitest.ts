// Vitest fixtures for the local stack: one server (and proxy) per test file, started in beforeAll
// and stopped in afterAll. A separate entry point so that the dev script never loads vitest.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startEmailRecorder } from "./email-recorder.ts";
import type { EmailRecorder, EmailRecorderOptions } from "./email-recorder.ts";
import { startFaultyProxy } from "./faulty-proxy.ts";
import type { FaultyProxy } from "./faulty-proxy.ts";
import { startS3Server } from "./s3-server.ts";
import type { S3Server, S3ServerOptions } from "./s3-server.ts";

/** Starts a local S3 server for the current test file; call the returned getter inside tests. */
export function useS3Server(options: S3ServerOptions): () => S3Server {
  let server: S3Server | undefined;
  beforeAll(async () => {
    server = await startS3Server(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("useS3Server: the server exists only inside tests and hooks after beforeAll");
    return server;
  };
}

/** Starts a faulty proxy in front of a server from useS3Server(); rules are set per test. */
export function useFaultyProxy(server: () => S3Server): () => FaultyProxy {
  let proxy: FaultyProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultyProxy({ target: server().endpoint });
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  return () => {
    if (!proxy) throw new Error("useFaultyProxy: the proxy exists only inside tests and hooks after beforeAll");
    return proxy;
  };
}

/** Starts an email recorder for the current test file; each test starts with no recorded email. */
export function useEmailRecorder(options: EmailRecorderOptions = {}): () => EmailRecorder {
  let recorder: EmailRecorder | undefined;
  beforeAll(async () => {
    recorder = await startEmailRecorder(options);
  });
  beforeEach(() => {
    recorder?.clear();
  });
  afterAll(async () => {
    await recorder?.stop();
  });
  return () => {
    if (!recorder) throw new Error("useEmailRecorder: the recorder exists only inside tests and hooks after beforeAll");
    return recorder;
  };
}
