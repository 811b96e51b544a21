// Entry of the bundled `nacre-agent`. The thread pool must be sized before its first use: zstd frames,
// file reads and PBKDF2 all run there, and libuv's default of 4 starves the compressor on big backups.
process.env.UV_THREADPOOL_SIZE ??= "8";
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
