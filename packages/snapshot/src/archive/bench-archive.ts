// Prints the writer's throughput on a real tree: `node packages/snapshot/src/archive/bench-archive.ts DIR`
// archives DIR (as root "data") into /dev/null and reports MB/s of file data, files and warnings.
// Make a tree with `python3 /work/shared/bench/make-dataset.py /tmp/ds 1024`. A figure, not a test.
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createArchiveStream } from "./create-archive-stream.ts";
import type { ArchiveProgress } from "./types.ts";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: bench-archive.ts DIR [runs] [exclude-pattern...]");
  process.exit(2);
}
const runs = Number(process.argv[3] ?? 3);
const exclude = process.argv.slice(4);
for (let run = 1; run <= runs; run++) {
  let last: ArchiveProgress = { files: 0, bytes: 0 };
  let warnings = 0;
  const started = performance.now();
  const stream = createArchiveStream([{ name: "data", path: dir }], {
    exclude,
    onProgress: (p) => (last = p),
    onWarning: () => warnings++,
  });
  await pipeline(stream, createWriteStream("/dev/null"));
  const seconds = (performance.now() - started) / 1000;
  const mb = last.bytes / 1e6;
  console.log(`run ${run}: ${last.files} files, ${mb.toFixed(0)} MB in ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(0)} MB/s${warnings ? `, ${warnings} warnings` : ""}`);
}
