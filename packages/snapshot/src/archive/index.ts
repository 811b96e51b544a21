// The archive layer: roots → one pax tar stream (with consistent SQLite capture), and the reverse, a
// tar-slip-safe extractor and a lister for verification. See docs/archive.md.
export { createArchiveStream } from "./create-archive-stream.ts";
export { measureRoots } from "./measure-roots.ts";
export { extractArchive } from "./extract-archive.ts";
export { listArchive } from "./list-archive.ts";
export { linkLeavesTree } from "./entry-rules.ts";
export { ArchiveError } from "./archive-error.ts";
export type { ArchiveErrorCode } from "./archive-error.ts";
export type {
  ArchiveEntryInfo,
  ArchiveOptions,
  ArchiveProgress,
  ArchiveRoot,
  ArchiveWarning,
  ExtractOptions,
  ExtractResult,
  ListOptions,
} from "./types.ts";
