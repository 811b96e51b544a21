// Entry of the bundled `nacre-agent`. The thread pool must be sized before its first use: zstd frames,
// file reads and PBKDF2 all run there. One thread per core: libuv's default of 4 starves the
// compressor on bigger machines, and more threads than cores do harm on small ones, because handing a
// frame to an idle extra thread wakes it onto the core the main thread was using (on 2 cores, a pool
// of 2 instead of 8: backup 2.87–3.16 → 2.65–2.93 s, restore unchanged; docs/performance.md).
import { availableParallelism } from "node:os";

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
