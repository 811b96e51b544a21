// Refusals of a restore request: a stable code and a sentence for the support engineer.
export type RestoreErrorCode =
  | "E_VM_UNKNOWN"
  | "E_VM_NOT_ENROLLED"
  | "E_SNAPSHOT_UNKNOWN"
  | "E_SNAPSHOT_NOT_YOURS"
  | "E_SNAPSHOT_NOT_COMPLETED"
  | "E_RESTORE_IN_FLIGHT"
  | "E_RESTORE_UNKNOWN"
  | "E_SNAPSHOT_HEADER"
  | "E_SNAPSHOT_KEY";

export class RestoreStartError extends Error {
  override readonly name = "RestoreStartError";
  readonly code: RestoreErrorCode;
  constructor(code: RestoreErrorCode, message: string, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}
