export { createSnapshotStream, contentTypeOf, type SnapshotStream, type SnapshotStreamOptions } from "./create-snapshot-stream.ts";
export { openSnapshotStream, type OpenSnapshotOptions, type OpenedSnapshot } from "./open-snapshot-stream.ts";
export { chainStreams } from "./chain-streams.ts";
