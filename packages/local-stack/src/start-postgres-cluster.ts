// A private PostgreSQL cluster for machines without a usable one: initdb'd once in a data
// directory, then run as a child process of ours. Loopback only, in every layer: it listens on
// 127.0.0.1 alone, has no Unix socket (no path-length or shared-socket-dir surprises), and
// pg_hba.conf trusts 127.0.0.1/32 and nothing else. PostgreSQL refuses to run as root, so as root
// both initdb and the server run as the `postgres` OS user (node's spawn uid/gid, which also drops
// root's supplementary groups, rather than runuser: the child we signal is then the server itself).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { access, chown, mkdir, open, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { LogLine } from "./log-line.ts";
import { probePostgres } from "./probe-postgres.ts";
import { runCommand } from "./run-command.ts";
import { stopChild } from "./stop-child.ts";

export interface PostgresClusterOptions {
  /** Where initdb, postgres and pg_ctl live, e.g. /usr/lib/postgresql/15/bin. */
  binDir: string;
  dataDir: string;
  port: number;
  log: LogLine;
  startTimeoutMs: number;
}

export interface PostgresCluster {
  port: number;
  /** The server's stderr (its log), inside the data directory. */
  logFile: string;
  stop(): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

const PG_HBA =
  "# Written by @nacre/local-stack: a private development cluster, reachable from this machine only.\n" +
  "# TYPE  DATABASE  USER  ADDRESS       METHOD\n" +
  "host    all       all   127.0.0.1/32  trust\n";

/** Initializes the cluster if the data directory has none, starts it, resolves once it answers. */
export async function startPostgresCluster(options: PostgresClusterOptions): Promise<PostgresCluster> {
  const { binDir, dataDir, port, log } = options;
  const owner = process.getuid?.() === 0 ? await postgresOsUser() : undefined;
  await prepareDataDir(dataDir, owner);
  if (!(await exists(join(dataDir, "PG_VERSION")))) {
    log(`initializing a PostgreSQL cluster in ${dataDir} (trust auth on 127.0.0.1 only)`);
    const initdb = await runCommand(
      join(binDir, "initdb"),
      ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions"],
      { ...owner, cwd: "/" },
    );
    if (initdb.code !== 0) {
      throw new Error(
        `E_POSTGRES_INITDB: initdb failed in ${dataDir}; remove the directory or pass another dataDir. It said:\n${initdb.output}`,
      );
    }
    await writeFile(join(dataDir, "pg_hba.conf"), PG_HBA);
    if (owner) await chown(join(dataDir, "pg_hba.conf"), owner.uid, owner.gid);
  }

  const logFile = join(dataDir, "postgres.log");
  const logHandle = await open(logFile, "a");
  const child = spawn(
    join(binDir, "postgres"),
    ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    { ...owner, cwd: "/", stdio: ["ignore", logHandle.fd, logHandle.fd] },
  );
  await logHandle.close();
  // SIGQUIT is PostgreSQL's immediate shutdown: the only kind a synchronous exit handler can ask
  // for, and it takes the backends down with the postmaster.
  const killOnExit = (): void => void child.kill("SIGQUIT");
  process.on("exit", killOnExit);

  try {
    await waitUntilReady(child, port, logFile, options.startTimeoutMs);
  } catch (err) {
    process.off("exit", killOnExit);
    await stopChild(child, "SIGQUIT", 2_000);
    throw err;
  }
  child.unref();
  return {
    port,
    logFile,
    async stop() {
      process.off("exit", killOnExit);
      // SIGINT is the "fast" shutdown: sessions are cut, the cluster is left consistent
      await stopChild(child, "SIGINT", 10_000);
    },
  };
}

/** The port of a server still running on this data directory (left by an earlier run), if any. */
export async function findRunningCluster(dataDir: string): Promise<{ pid: number; port: number } | null> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n");
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || !isAlive(pid)) return null;
  return (await probePostgres(port)).state === "ready" ? { pid, port } : null;
}

async function waitUntilReady(child: ChildProcess, port: number, logFile: string, timeoutMs: number): Promise<void> {
  let exit: string | null = null;
  child.once("exit", (code, signal) => {
    exit = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  child.once("error", (err) => {
    exit = `could not be started (${err.message})`;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit !== null) throw new Error(`E_POSTGRES_START: the PostgreSQL server ${exit}. ${await logTail(logFile)}`);
    const probe = await probePostgres(port, { timeoutMs: 1_000 });
    if (probe.state === "ready") return;
    if (probe.state === "refused") {
      throw new Error(`E_POSTGRES_START: the new server on port ${port} refuses user postgres (${probe.detail}). ${await logTail(logFile)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`E_POSTGRES_START: the PostgreSQL server did not answer within ${timeoutMs} ms. ${await logTail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The data directory exists, belongs to the server's user, and that user can reach it. */
async function prepareDataDir(dataDir: string, owner: OsUser | undefined): Promise<void> {
  // the parents keep the usual mode: the postgres user must be able to walk through them
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!owner) return;
  await chown(dataDir, owner.uid, owner.gid);
  const reachable = await runCommand("test", ["-w", dataDir, "-a", "-x", dataDir], owner);
  if (reachable.code !== 0) {
    throw new Error(
      `E_POSTGRES_DATA_DIR: the postgres OS user cannot reach ${dataDir}; give every parent directory ` +
        `o+x (chmod o+x <dir>) or pass a dataDir elsewhere (e.g. under /var/tmp)`,
    );
  }
}

/** uid and gid of the `postgres` OS user, which Debian's postgresql-common creates. */
async function postgresOsUser(): Promise<OsUser> {
  const passwd = await readFile("/etc/passwd", "utf8");
  const fields = passwd.split("\n").find((line) => line.startsWith("postgres:"))?.split(":");
  if (!fields) {
    throw new Error(
      "E_POSTGRES_USER: PostgreSQL will not run as root and there is no `postgres` OS user; " +
        "install postgresql-common (apt-get install -y postgresql-common) or run as a non-root user",
    );
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

async function logTail(logFile: string): Promise<string> {
  try {
    const lines = (await readFile(logFile, "utf8")).trim().split("\n").slice(-10);
    return `The end of ${logFile}:\n${lines.join("\n")}`;
  } catch {
    return `(no log at ${logFile})`;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user (the postgres user, when we are not root)
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
