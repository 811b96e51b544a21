// @nacre/snapshot: the engine every backup, export and restore streams through.
//   archive/  roots → pax tar (consistent SQLite capture) and a tar-slip-safe extractor
//   compress/ zstd or gzip in parallel independent frames
//   format/   the encrypted snapshot file format (docs/format.md); pure, no I/O
//   pipeline/ the three composed: createSnapshotStream and openSnapshotStream
export {
  createEncryptStream,
  createDecryptStream,
  parseHeader,
  encryptBuffer,
  decryptBuffer,
  generateDataKey,
  wrapDataKey,
  unwrapDataKey,
  SnapshotFormatError,
  isSnapshotFormatError,
  DEFAULT_ITERATIONS,
  MIN_ITERATIONS,
  MAX_ITERATIONS,
  DEFAULT_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
} from "./format/index.ts";
export type { FormatErrorCode, KeyMode, ContentType, EncryptionKey, DecryptionKey, SnapshotHeader, EncryptOptions, DecryptOptions } from "./format/index.ts";
export { readKeyFile, KeyFileError } from "./keys/read-key-file.ts";
export type { KeyFileErrorCode } from "./keys/read-key-file.ts";
export { createArchiveStream, measureRoots, extractArchive, listArchive, linkLeavesTree, ArchiveError } from "./archive/index.ts";
export type { ArchiveErrorCode, ArchiveEntryInfo, ArchiveOptions, ArchiveProgress, ArchiveRoot, ArchiveWarning, ExtractOptions, ExtractResult, ListOptions } from "./archive/index.ts";
export { compressSource, createDecompressStages, detectContent, FrameCompressor, iterableSource } from "./compress/index.ts";
export type { ByteSource, Compression, CompressOptions, DetectedContent } from "./compress/index.ts";
export { createSnapshotStream, contentTypeOf, openSnapshotStream, chainStreams } from "./pipeline/index.ts";
export type { SnapshotStream, SnapshotStreamOptions, OpenSnapshotOptions, OpenedSnapshot } from "./pipeline/index.ts";
