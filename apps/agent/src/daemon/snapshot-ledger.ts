// What the agent remembers about the snapshots it wrote, in <stateDir>/snapshot-reports.json: the final
// report of the last REPORTS_KEPT snapshots (commands are at-least-once, so a snapshot.start for a finished
// snapshot gets its report again instead of a second upload), and the facts the heartbeat carries. The
// state dir is outside /data, so a restore never rolls this back.
import { join } from "node:path";
import { MAX_TEXT_LENGTH, SnapshotDone, SnapshotFailed } from "@nacre/protocol";
import * as z from "zod";
import { JsonStateWriter, readJsonState } from "./json-state-file.ts";

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
  private readonly writer: JsonStateWriter;
  private data: LedgerFile;

  private constructor(file: string, data: LedgerFile) {
    this.writer = new JsonStateWriter(file);
    this.data = data;
  }

  /** Reads the ledger of `stateDir`; a missing file is empty, an unreadable one is moved aside (and `onCorrupt` told). */
  static async open(stateDir: string, onCorrupt: (message: string) => void): Promise<SnapshotLedger> {
    const file = join(stateDir, "snapshot-reports.json");
    const data = await readJsonState(file, LedgerFile, () => structuredClone(EMPTY), "the reports of earlier snapshots are forgotten", onCorrupt);
    return new SnapshotLedger(file, data);
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
    await this.writer.save(this.data);
  }
}

function clip(text: string): string {
  return text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}
