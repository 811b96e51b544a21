// The answer the control plane gives about a snapshot the agent reported on. The gateway publishes
// it on the snapshot command's channel (see command-bus.ts), where the worker that started it waits.
export type SnapshotOutcome =
  | { ok: true; snapshotId: string; sizeBytes: number; sha256: string; objectKey: string; bucket: string }
  | { ok: false; snapshotId: string; code: string; message: string };

export class SnapshotReportError extends Error {
  override readonly name = "SnapshotReportError";
  readonly code: "E_UPLOAD_UNKNOWN" | "E_UPLOAD_NOT_YOURS" | "E_UPLOAD_CLOSED" | "E_PART_RANGE";
  constructor(code: SnapshotReportError["code"], message: string) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}
