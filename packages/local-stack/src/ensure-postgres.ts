// PostgreSQL for tests and the dev stack: the server already running on this machine when there is
// one we can use, else a private cluster of our own (installing Debian's server first if needed).
// "Use" means trust auth for user postgres on 127.0.0.1, which is how this machine's shared server
// is set up; a server that wants a password is left alone and ours starts on a free port instead.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { aptInstall } from "./apt-install.ts";
import { findFreePort } from "./find-free-port.ts";
import { logToStderr } from "./log-line.ts";
import type { LogLine } from "./log-line.ts";
import { probePostgres } from "./probe-postgres.ts";
import type { PostgresProbe } from "./probe-postgres.ts";
import { findExecutable } from "./run-command.ts";
import { findRunningCluster, startPostgresCluster } from "./start-postgres-cluster.ts";

export interface EnsurePostgresOptions {
  /** The port to look at first, and to start our own server on when nothing listens there; 5432. */
  port?: number;
  /** Data directory of our own cluster; <repo>/.nacre-local/postgres by default. */
  dataDir?: string;
  /** Debian's major version: binaries in /usr/lib/postgresql/<major>/bin, package postgresql-<major>; 15. */
  major?: number;
  /** Install missing Debian packages (the default); false fails with the command to run instead. */
  install?: boolean;
  log?: LogLine;
  /** How long a server (ours or one starting up) may take to accept connections; 30 s. */
  startTimeoutMs?: number;
}

export interface LocalPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** True only when this call started the server; stop() is a no-op otherwise. */
  startedByUs: boolean;
  /** Our cluster's data directory, or null for a server found running. */
  dataDir: string | null;
  stop(): Promise<void>;
}

export const DEFAULT_POSTGRES_DATA_DIR = fileURLToPath(new URL("../../../.nacre-local/postgres", import.meta.url));

/** Finds a usable PostgreSQL on 127.0.0.1 or starts one; see the file header for the rules. */
export async function ensurePostgres(options: EnsurePostgresOptions = {}): Promise<LocalPostgres> {
  const port = options.port ?? 5432;
  const major = options.major ?? 15;
  const dataDir = options.dataDir ?? DEFAULT_POSTGRES_DATA_DIR;
  const binDir = `/usr/lib/postgresql/${major}/bin`;
  const log = options.log ?? logToStderr;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const pgIsReady = await findExecutable("pg_isready", [binDir]);

  let probe = await settle(port, pgIsReady, startTimeoutMs);
  if (probe.state === "ready") return found(port);
  const leftover = await findRunningCluster(dataDir);
  if (leftover) {
    log(
      `using the cluster in ${dataDir} that an earlier run left on port ${leftover.port}; ` +
        `\`kill -INT ${leftover.pid}\` stops it`,
    );
    return found(leftover.port);
  }

  if (!(await exists(join(binDir, "postgres")))) {
    const why = `no usable PostgreSQL on 127.0.0.1:${port} (${probe.detail}) and no server binaries in ${binDir}`;
    if (options.install === false) {
      throw new Error(`E_POSTGRES_MISSING: ${why}; run \`apt-get install -y postgresql-${major}\` as root, or start a server on port ${port}`);
    }
    await aptInstall([`postgresql-${major}`], why, log);
    // Debian's package starts its own "main" cluster when it can; if that one is usable, use it.
    probe = await settle(port, pgIsReady ?? (await findExecutable("pg_isready", [binDir])), startTimeoutMs);
    if (probe.state === "ready") return found(port);
  }

  const ourPort = probe.state === "closed" ? port : await findFreePort();
  const why = probe.state === "closed" ? "nothing listens there" : `127.0.0.1:${port} is not usable: ${probe.detail}`;
  log(`starting a private PostgreSQL ${major} on 127.0.0.1:${ourPort} (${why})`);
  const cluster = await startPostgresCluster({ binDir, dataDir, port: ourPort, log, startTimeoutMs });
  return { url: urlFor(ourPort), port: ourPort, startedByUs: true, dataDir, stop: () => cluster.stop() };
}

/** Probes, and waits while the server there is still starting up. */
async function settle(port: number, pgIsReady: string | null, timeoutMs: number): Promise<PostgresProbe> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await probePostgres(port, { pgIsReady });
    if (probe.state !== "starting" || Date.now() > deadline) return probe;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function found(port: number): LocalPostgres {
  return { url: urlFor(port), port, startedByUs: false, dataDir: null, stop: async () => {} };
}

function urlFor(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
