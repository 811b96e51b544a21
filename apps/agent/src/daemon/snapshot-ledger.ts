// What the agent remembers about the snapshots it wrote, in <stateDir>/snapshot-reports.json: the final
// report of the last REPORTS_KEPT snapshots (commands are at-least-once, so a snapshot.start for a finished
// snapshot gets its report again instead of a second upload), and the facts the heartbeat carries. The
// state dir is outside /data, so a restore never rolls this back.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MAX_TEXT_LENGTH, SnapshotDone, SnapshotFailed } from "@nacre/protocol";
import { z } from "zod";

export const REPORTS_KEPT = 50;

export const SnapshotReport = z.discriminatedUnion("type", [
  z.object({ type: z.literal("snapshot.done"), payload: SnapshotDone }),
  z.object({ type: z.literal("snapshot.failed"), payload: SnapshotFailed }),
]);
export type SnapshotReport = z.infer<typeof SnapshotReport>;

const LedgerFile = z.object({
  v: z.literal(1),
  // Checked as strictly as the heartbeat that carries it: a hand-edited value must not stop heartbeats.
  lastBackupSucceededAt: z.iso.datetime().nullable(),
  lastBackupError: z.string().max(MAX_TEXT_LENGTH).nullable(),
  reports: z.array(SnapshotReport.and(z.object({ at: z.string() }))),
});
type LedgerFile = z.infer<typeof LedgerFile>;

const EMPTY: LedgerFile = { v: 1, lastBackupSucceededAt: null, lastBackupError: null, reports: [] };

export class SnapshotLedger {
  private readonly file: string;
  private data: LedgerFile;
  private writing: Promise<void> = Promise.resolve();

  private constructor(file: string, data: LedgerFile) {
    this.file = file;
    this.data = data;
  }

  /**
   * Reads the ledger of `stateDir`. A missing file is an empty ledger; an unreadable one is moved aside
   * (and `onCorrupt` told), since a daemon that refuses to start over its history protects nothing.
   */
  static async open(stateDir: string, onCorrupt: (message: string) => void): Promise<SnapshotLedger> {
    const file = join(stateDir, "snapshot-reports.json");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new SnapshotLedger(file, structuredClone(EMPTY));
      throw error;
    }
    let parsed: ReturnType<typeof LedgerFile.safeParse> | undefined;
    try {
      parsed = LedgerFile.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) return new SnapshotLedger(file, parsed.data);
    const aside = `${file}.corrupt-${randomBytes(4).toString("hex")}`;
    await rename(file, aside);
    onCorrupt(`${file} could not be read and was moved to ${aside}; the reports of earlier snapshots are forgotten`);
    return new SnapshotLedger(file, structuredClone(EMPTY));
  }

  /** The stored final report of `snapshotId`, if it finished. */
  report(snapshotId: string): SnapshotReport | undefined {
    const found = this.data.reports.find((r) => r.payload.snapshotId === snapshotId);
    return found === undefined ? undefined : ({ type: found.type, payload: found.payload } as SnapshotReport);
  }

  get lastBackupSucceededAt(): string | null {
    return this.data.lastBackupSucceededAt;
  }

  get lastBackupError(): string | null {
    return this.data.lastBackupError;
  }

  /** Records a final report (newest first, the last REPORTS_KEPT kept) and writes the file atomically. */
  async record(report: SnapshotReport, at: Date): Promise<void> {
    const reports = [{ ...report, at: at.toISOString() }, ...this.data.reports.filter((r) => r.payload.snapshotId !== report.payload.snapshotId)];
    const success = report.type === "snapshot.done";
    const error = report.type === "snapshot.failed" ? clip(`${report.payload.code}: ${report.payload.message}`) : null;
    this.data = {
      v: 1,
      lastBackupSucceededAt: success ? at.toISOString() : this.data.lastBackupSucceededAt,
      lastBackupError: error,
      reports: reports.slice(0, REPORTS_KEPT),
    };
    const text = `${JSON.stringify(this.data, null, 2)}\n`;
    // Writes are chained so an older state can never land after a newer one.
    this.writing = this.writing.catch(() => {}).then(() => writeAtomically(this.file, text));
    await this.writing;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

function clip(text: string): string {
  return text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}
