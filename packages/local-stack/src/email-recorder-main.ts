// Runnable entry of the email recorder, for the dev stack:
//
//   node packages/local-stack/src/email-recorder-main.ts --port 3025 --dir .nacre-local/email
//
// Prints one JSON line ({ baseUrl, apiKey, file, inbox }) once it listens; the product then runs
// with RESEND_BASE_URL=<baseUrl> and RESEND_API_KEY=<apiKey>, and a person reads <inbox> in a browser.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_RESEND_API_KEY, startEmailRecorder } from "./email-recorder.ts";

/** The line email-recorder-main.ts prints once it listens. */
export interface EmailRecorderReadyLine {
  baseUrl: string;
  apiKey: string;
  /** The JSON-lines file, or null without --dir. */
  file: string | null;
  /** The human page listing received emails. */
  inbox: string;
}

/** Parses the command line, starts the recorder and prints its coordinates as one JSON line. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      dir: { type: "string" },
      "api-key": { type: "string", default: DEFAULT_RESEND_API_KEY },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`E_ARGS: --port must be an integer between 0 and 65535, got "${values.port}"`);
  }
  const recorder = await startEmailRecorder({
    port,
    apiKey: values["api-key"],
    dir: values.dir === undefined ? undefined : resolve(values.dir),
  });

  const shutdown = (): void => {
    void recorder.stop().finally(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  // Started with an IPC channel (as startS3Server() does for its server): when the parent dies,
  // even by SIGKILL, the channel closes and the recorder goes with it instead of holding its port.
  if (process.send) process.on("disconnect", shutdown);

  const ready: EmailRecorderReadyLine = {
    baseUrl: recorder.baseUrl,
    apiKey: recorder.apiKey,
    file: recorder.file,
    inbox: `${recorder.baseUrl}/`,
  };
  process.stdout.write(JSON.stringify(ready) + "\n");
  process.send?.(ready);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const hint = (err as NodeJS.ErrnoException).code === "EADDRINUSE" ? " (pick another --port, or 0 for any free one)" : "";
    process.stderr.write(`email-recorder-main: ${message}${hint}\n`);
    process.exit(1);
  });
}
