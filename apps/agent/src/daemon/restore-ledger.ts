// What the agent remembers about restores, in <stateDir>/restore-reports.json: the final report of the
// last few restores (restore.start is at-least-once: a repeat of a finished restore gets its report
// again, never a second restore) and the replaced /data contents waiting for their grace period to end.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { RestoreDone, RestoreFailed } from "@nacre/protocol";
import * as z from "zod";
import { JsonStateWriter, readJsonState } from "./json-state-file.ts";

const REPORTS_KEPT = 20;

export const RestoreReport = z.discriminatedUnion("type", [
  z.object({ type: z.literal("restore.done"), payload: RestoreDone }),
  z.object({ type: z.literal("restore.failed"), payload: RestoreFailed }),
]);
export type RestoreReport = z.infer<typeof RestoreReport>;

const Kept = z.object({ restoreId: z.string(), path: z.string(), removeAfter: z.iso.datetime() });
type Kept = z.infer<typeof Kept>;

const LedgerFile = z.object({ v: z.literal(1), reports: z.array(RestoreReport), kept: z.array(Kept) });
type LedgerFile = z.infer<typeof LedgerFile>;

export class RestoreLedger {
  private readonly writer: JsonStateWriter;
  private data: LedgerFile;

  private constructor(file: string, data: LedgerFile) {
    this.writer = new JsonStateWriter(file);
    this.data = data;
  }

  /** Reads the ledger; a missing file is empty, an unreadable one is moved aside (and `onCorrupt` told). */
  static async open(stateDir: string, onCorrupt: (message: string) => void): Promise<RestoreLedger> {
    const file = join(stateDir, "restore-reports.json");
    const empty = (): LedgerFile => ({ v: 1, reports: [], kept: [] });
    return new RestoreLedger(file, await readJsonState(file, LedgerFile, empty, "earlier restore reports are forgotten", onCorrupt));
  }

  report(restoreId: string): RestoreReport | undefined {
    return this.data.reports.find((r) => r.payload.restoreId === restoreId);
  }

  async record(report: RestoreReport): Promise<void> {
    const others = this.data.reports.filter((r) => r.payload.restoreId !== report.payload.restoreId);
    this.data = { ...this.data, reports: [report, ...others].slice(0, REPORTS_KEPT) };
    await this.save();
  }

  async keep(entry: Kept): Promise<void> {
    this.data = { ...this.data, kept: [...this.data.kept.filter((k) => k.path !== entry.path), entry] };
    await this.save();
  }

  /** Removes every kept directory whose grace period has ended; returns the paths removed. */
  async removeExpired(now: Date): Promise<string[]> {
    const expired = this.data.kept.filter((k) => Date.parse(k.removeAfter) <= now.getTime());
    for (const k of expired) await rm(k.path, { recursive: true, force: true });
    if (expired.length === 0) return [];
    this.data = { ...this.data, kept: this.data.kept.filter((k) => !expired.includes(k)) };
    await this.save();
    return expired.map((k) => k.path);
  }

  /** Paths of kept directories still within their grace period. */
  get keptPaths(): string[] {
    return this.data.kept.map((k) => k.path);
  }

  private async save(): Promise<void> {
    await this.writer.save(this.data);
  }
}
