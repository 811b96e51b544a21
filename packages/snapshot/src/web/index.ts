// @nacre/snapshot/web: the browser decryptor for managed-mode snapshots, for the dashboard's
// "Decrypt locally" Web Worker. Browser-safe by construction: it uses only Web platform APIs
// (crypto.subtle, ReadableStream, DecompressionStream, TextDecoder) and fzstd, and imports nothing
// from the rest of @nacre/snapshot, which is Node-only (browser-safe.test.ts enforces both).
// Spec: docs/format.md; "Decrypting in a browser" there says what is verified before any output.
export { decryptSnapshot, decryptSnapshotPayload, type DecryptSnapshotOptions } from "./decrypt-snapshot.ts";
export { MAX_HEADER_LENGTH } from "./format-constants.ts";
export { readSnapshotHeader, type WebSnapshotHeader } from "./read-snapshot-header.ts";
export { WebSnapshotError, isWebSnapshotError, type WebSnapshotErrorCode } from "./web-snapshot-error.ts";
