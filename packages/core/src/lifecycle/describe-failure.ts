// What a customer reads about a failed night (the dashboard's banner and the alert email). The
// technical code is stored beside it (backup_nights.last_error_code) for support; these words say
// what happened in terms of the customer's server and, where the customer can help, what to do.
// Codes come from three places: the control plane (fleet: delivery, timeouts, the upload checks),
// the agent's snapshot.failed report (disk, files, the upload from the VM) and storage.

export type FailureKind =
  | "agent-offline" | "agent-silent" | "snapshot-timeout" | "busy" | "interrupted" | "disk-full" | "unreadable"
  | "database-copy" | "upload" | "storage" | "not-enrolled" | "vm-gone" | "key" | "internal";

export const FAILURE_WORDS: Record<FailureKind, string> = {
  "agent-offline": "The backup agent on your server was not reachable. Check that your server is running and online; we try again automatically.",
  "agent-silent": "The backup agent on your server did not respond in time. If your server is very busy or was restarting, no action is needed; we try again automatically.",
  "snapshot-timeout": "The backup took too long to finish and was stopped. Nothing partial was kept; we try again automatically.",
  busy: "Another backup or export of your server was still running, so this one could not start. We try again automatically.",
  interrupted: "The backup agent on your server was stopped or restarted while the backup was running. We try again automatically.",
  "disk-full": "Your server ran out of disk space while preparing the backup. Free some disk space on your server; we try again automatically.",
  unreadable: "Some of your server's files could not be read for the backup. If you changed permissions or removed folders under /data, please check them.",
  "database-copy": "Your assistant's database could not be copied consistently (it may be damaged or locked). Our support team can help if this repeats.",
  upload: "The upload from your server to backup storage was interrupted (a network problem between your server and storage). We try again automatically.",
  storage: "Backup storage did not accept the backup. This is on our side and needs no action from you; we try again automatically.",
  "not-enrolled": "Your server has no enrolled backup agent, so it could not be backed up. Reinstall the agent or contact support.",
  "vm-gone": "This server no longer exists, so it was not backed up.",
  key: "The backup agent on your server could not use the encryption key it was given. This is on our side; we try again automatically.",
  internal: "The backup failed because of a problem on our side. No action is needed from you; we try again automatically.",
};

const KIND_BY_CODE: Record<string, FailureKind> = {
  // Control plane: reaching the agent.
  E_AGENT_OFFLINE: "agent-offline",
  E_COMMAND_UNDELIVERABLE: "agent-offline",
  E_GATEWAY_UNREACHABLE: "agent-offline",
  E_COMMAND_TIMEOUT: "agent-silent",
  E_GATEWAY_TIMEOUT: "agent-silent",
  E_SNAPSHOT_TIMEOUT: "snapshot-timeout",
  E_UPLOAD_EXPIRED: "snapshot-timeout",
  E_SNAPSHOT_IN_FLIGHT: "busy",
  E_BUSY: "busy",
  E_INTERRUPTED: "interrupted",
  E_VM_NOT_ENROLLED: "not-enrolled",
  E_VM_UNKNOWN: "vm-gone",
  // The agent's disk and files (E_DISK_FULL is the agent's code for ENOSPC).
  E_DISK_FULL: "disk-full",
  ENOSPC: "disk-full",
  E_UNREADABLE: "unreadable",
  E_ROOT_MISSING: "unreadable",
  E_NO_DIR: "unreadable",
  E_ARCHIVE_IO: "unreadable",
  E_IO: "unreadable",
  E_SQLITE_INTEGRITY: "database-copy",
  E_SQLITE_CAPTURE: "database-copy",
  // The upload from the VM.
  E_NETWORK: "upload",
  E_UNAVAILABLE: "upload",
  E_REQUEST: "upload",
  E_PRESIGNED_URLS: "upload",
  // Storage and the control plane's checks of the finished upload.
  E_AUTH: "storage",
  E_NO_BUCKET: "storage",
  E_NOT_FOUND: "storage",
  E_CHANGED: "storage",
  E_SIZE_MISMATCH: "storage",
  E_METADATA_MISMATCH: "storage",
  E_TOO_MANY_PARTS: "storage",
  E_REPORT_INCONSISTENT: "storage",
  E_COMPLETE_FAILED: "storage",
  E_INVALID_PART: "storage",
  E_PART_TOO_SMALL: "storage",
  E_NO_UPLOAD: "storage",
  E_UPLOAD_CLOSED: "storage",
  E_UPLOAD_UNKNOWN: "storage",
  E_UPLOAD_NOT_YOURS: "storage",
  E_PART_RANGE: "storage",
};

/** The kind of a failure code; unknown codes are ours to look at. */
export function failureKind(code: string): FailureKind {
  if (KIND_BY_CODE[code] !== undefined) return KIND_BY_CODE[code];
  if (code.startsWith("E_GRANT_") || code.startsWith("E_SEAL_") || code === "E_KEY_FORMAT" || code === "E_WRONG_KEY") return "key";
  return "internal";
}

/** The customer's words for a failure code. */
export function describeFailure(code: string): string {
  return FAILURE_WORDS[failureKind(code)];
}
