// The workers as the stack runs them (apps/workers/src/main.ts): the nightly schedule, retries, exports,
// purges, and the ops endpoint (/metrics, /queues). Email goes to the stack's recorder.
import { join, resolve } from "node:path";
import { startAppProcess } from "./start-app-process.ts";

const WORKERS_MAIN = resolve(import.meta.dirname, "../../../apps/workers/src/main.ts");

export interface WorkersProcess {
  opsUrl: string | undefined;
  stop(): Promise<void>;
}

/** Starts the workers and waits until they are ready. */
export async function startWorkersProcess(
  dir: string,
  opsPort: number,
  env: Record<string, string>,
  email: { baseUrl: string; apiKey: string },
): Promise<WorkersProcess> {
  const app = await startAppProcess<{ ready: true; ops?: string }>({
    name: "the workers",
    main: WORKERS_MAIN,
    env: {
      ...env,
      RESEND_API_KEY: email.apiKey,
      RESEND_BASE_URL: email.baseUrl,
      NACRE_EMAIL_FROM: "Nacre Backups <backups@nacre.local>",
      NACRE_OPS_PORT: String(opsPort),
    },
    logFile: join(dir, "workers.log"),
  });
  return { opsUrl: app.ready.ops, stop: app.stop };
}
