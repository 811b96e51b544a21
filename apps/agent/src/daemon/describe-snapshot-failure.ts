import { isKeyError } from "@nacre/core";
import { MAX_TEXT_LENGTH } from "@nacre/protocol";
import { classifyError } from "../runtime/classify-error.ts";

export interface SnapshotFailure {
  code: string;
  message: string;
  retryable: boolean;
}

// Trying again with the same command cannot help: the data needs a larger part size than the control plane
// chose, or a caller passed something unusable (a bug). Everything else — disk, network, the gateway, the
// bucket — may work on the next attempt.
const NOT_RETRYABLE = new Set(["E_TOO_MANY_PARTS", "E_BAD_ARGUMENT", "E_KEY_INPUT"]);
const ERROR_CODE = /^E_[A-Z0-9_]+$/;

/** The snapshot.failed fields for an error from a snapshot run. */
export function describeSnapshotFailure(error: unknown, interrupted: boolean): SnapshotFailure {
  if (interrupted) {
    return { code: "E_INTERRUPTED", message: "the agent was stopped while writing this snapshot; nothing of it was reported done", retryable: true };
  }
  if (isKeyError(error)) {
    // A refused grant stays refused: a new attempt needs a new grant from the control plane.
    return { code: error.code, message: clip(error.message.replace(/^E_[A-Z0-9_]+: /, "")), retryable: false };
  }
  const classified = classifyError(error);
  const code = ERROR_CODE.test(classified.code) ? classified.code : `E_${classified.code.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`;
  return { code: code.slice(0, 64), message: clip(classified.message), retryable: !NOT_RETRYABLE.has(code) };
}

function clip(text: string): string {
  return text.length <= MAX_TEXT_LENGTH ? text : `${text.slice(0, MAX_TEXT_LENGTH - 1)}…`;
}
