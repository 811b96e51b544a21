// The dashboard as the stack runs it (apps/dashboard/src/main.ts): the built Next.js app with the
// local sign-in (NACRE_AUTH_MODE=local; the build must have NACRE_BUILD_PROFILE=local, which
// scripts/dev.sh and scripts/test.sh set) and a session secret kept in the stack's directory.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { startAppProcess } from "./start-app-process.ts";

const DASHBOARD_DIR = resolve(import.meta.dirname, "../../../apps/dashboard");

export interface DashboardProcess {
  url: string;
  stop(): Promise<void>;
}

/** The local stack's session-signing secret, made on first use (mode 0600). */
export async function ensureSessionSecret(dir: string): Promise<string> {
  const file = join(dir, "dashboard", "session-secret");
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, randomBytes(32).toString("base64url"), { mode: 0o600, flag: "wx" });
  }
  return (await readFile(file, "utf8")).trim();
}

/** Starts the built dashboard on 127.0.0.1:`port` (0 picks a free one) and waits until it is healthy. */
export async function startDashboardProcess(dir: string, port: number, env: Record<string, string>): Promise<DashboardProcess> {
  if (!existsSync(join(DASHBOARD_DIR, ".next", "BUILD_ID"))) {
    throw new Error("the dashboard is not built: run `NACRE_BUILD_PROFILE=local pnpm build` (scripts/dev.sh does)");
  }
  // The Origin check needs the real port before the app starts, so 0 is resolved here.
  if (port === 0) port = await freePort();
  const app = await startAppProcess<{ ready: true; url: string }>({
    name: "the dashboard",
    main: join(DASHBOARD_DIR, "src", "main.ts"),
    cwd: DASHBOARD_DIR,
    env: {
      ...env,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      NACRE_AUTH_MODE: "local",
      NACRE_SESSION_SECRET: await ensureSessionSecret(dir),
      // Ports are known only once listening; the Origin check compares scheme, host and port.
      NACRE_DASHBOARD_ORIGIN: env["NACRE_DASHBOARD_ORIGIN"] ?? `http://127.0.0.1:${port}`,
    },
    logFile: join(dir, "dashboard.log"),
  });
  return { url: app.ready.url, stop: app.stop };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}
