// Runnable entry of the local S3 server, used by startS3Server() and by the dev script:
//
//   node packages/local-stack/src/s3-server-main.ts --port 9000 --dir .local/s3 --bucket nacre-dev
//
// Prints one JSON line ({ endpoint, region, accessKeyId, secretAccessKey, dir, buckets }) once the
// server answers. It re-executes itself with --openssl-legacy-provider when started without it,
// because s3rver's paginated listing needs DES (see run-s3rver.ts).
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runS3rver } from "./run-s3rver.ts";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, LOCAL_REGION } from "./s3-defaults.ts";
import type { S3ServerReadyLine } from "./s3-defaults.ts";

const LEGACY_FLAG = "--openssl-legacy-provider";

/** Parses the command line, starts the server and prints its coordinates as one JSON line. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      dir: { type: "string" },
      bucket: { type: "string", multiple: true, default: [] },
      "access-key-id": { type: "string", default: DEFAULT_ACCESS_KEY_ID },
      "secret-access-key": { type: "string", default: DEFAULT_SECRET_ACCESS_KEY },
      verbose: { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer between 0 and 65535, got "${values.port}"`);
  }
  const dir = resolve(values.dir ?? join(tmpdir(), `nacre-s3-${process.pid}`));
  const server = await runS3rver({
    dir,
    port,
    buckets: values.bucket,
    accessKeyId: values["access-key-id"],
    secretAccessKey: values["secret-access-key"],
    verbose: values.verbose,
  });

  const shutdown = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  // Started by startS3Server() with an IPC channel: when the parent dies, even by SIGKILL, the
  // channel closes and the server goes with it instead of lingering on its port.
  if (process.send) process.on("disconnect", shutdown);

  const ready: S3ServerReadyLine = {
    endpoint: `http://127.0.0.1:${server.port}`,
    region: LOCAL_REGION,
    accessKeyId: values["access-key-id"],
    secretAccessKey: values["secret-access-key"],
    dir,
    buckets: values.bucket,
  };
  process.stdout.write(JSON.stringify(ready) + "\n");
  process.send?.(ready);
}

/** Runs main() under the legacy OpenSSL provider, re-executing this script with the flag if needed. */
function start(): void {
  if (process.execArgv.includes(LEGACY_FLAG)) {
    main().catch((err: unknown) => {
      process.stderr.write(`s3-server-main: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
    return;
  }
  const child = spawn(
    process.execPath,
    [...process.execArgv, LEGACY_FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) start();
