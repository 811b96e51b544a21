// pgTAP, for the SQL tests of row-level security: the extension's files in the server's share
// directory (so that CREATE EXTENSION pgtap works) and pg_prove to run the tests. Installed from
// Debian when missing; the files serve every cluster of that major version, ours or the shared one.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { aptInstall } from "./apt-install.ts";
import { logToStderr } from "./log-line.ts";
import type { LogLine } from "./log-line.ts";
import { findExecutable, runCommand } from "./run-command.ts";

export interface EnsurePgTapOptions {
  /** The server's major version (Debian package postgresql-<major>-pgtap); 15. */
  major?: number;
  /** Install missing Debian packages (the default); false fails with the command to run instead. */
  install?: boolean;
  log?: LogLine;
}

export interface PgTap {
  /** The server's share directory, e.g. /usr/share/postgresql/15. */
  sharedir: string;
  /** <sharedir>/extension/pgtap.control */
  controlFile: string;
  /** Path of pg_prove. */
  pgProve: string;
}

/** Makes sure pgTAP and pg_prove are installed, installing them from Debian if needed. */
export async function ensurePgTap(options: EnsurePgTapOptions = {}): Promise<PgTap> {
  const major = options.major ?? 15;
  const log = options.log ?? logToStderr;
  const sharedir = await shareDir(major);
  const controlFile = join(sharedir, "extension", "pgtap.control");
  if (!(await exists(controlFile))) {
    await installOrExplain(options, `postgresql-${major}-pgtap`, `${controlFile} is missing, so CREATE EXTENSION pgtap would fail`, log);
    if (!(await exists(controlFile))) {
      throw new Error(`E_PGTAP: postgresql-${major}-pgtap is installed but ${controlFile} is still missing; is the server's share directory elsewhere?`);
    }
  }
  let pgProve = await findExecutable("pg_prove");
  if (!pgProve) {
    await installOrExplain(options, "libtap-parser-sourcehandler-pgtap-perl", "pg_prove, which runs the pgTAP tests, is missing", log);
    pgProve = await findExecutable("pg_prove");
    if (!pgProve) throw new Error("E_PGTAP: pg_prove is still not found after installing libtap-parser-sourcehandler-pgtap-perl");
  }
  return { sharedir, controlFile, pgProve };
}

/**
 * The share directory as the server's own pg_config reports it (the one beside its binaries, not
 * whatever pg_config comes first on PATH, which may be libpq-dev's for another version), or
 * Debian's layout when that pg_config is absent.
 */
async function shareDir(major: number): Promise<string> {
  const pgConfig = join(`/usr/lib/postgresql/${major}/bin`, "pg_config");
  if (await exists(pgConfig)) {
    const result = await runCommand(pgConfig, ["--sharedir"]).catch(() => null);
    if (result?.code === 0 && result.output !== "") return result.output;
  }
  return `/usr/share/postgresql/${major}`;
}

async function installOrExplain(options: EnsurePgTapOptions, pkg: string, why: string, log: LogLine): Promise<void> {
  if (options.install === false) throw new Error(`E_PGTAP_MISSING: ${why}; run \`apt-get install -y ${pkg}\` as root`);
  await aptInstall([pkg], why, log);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
