// Node's cipher API returns a fresh buffer from every update() call and takes no output buffer, so
// sealing or opening 1 GiB of records leaves 1 GiB of 64 KiB buffers behind. Each dies at once (it is
// copied into a batch, or handed on and consumed), but V8 only learns that at a garbage collection,
// and memory outside its heap does not fill the young generation, so no cheap young-generation
// collection comes: the buffers piled up until V8 ran a full collection for them, ~36 per GiB sealed.
// That cost a second of CPU on V8's helper threads and ~50 MiB of peak memory (docs/performance.md).
// A young-generation collection every few MiB frees them while they are still young, for ~0.3 ms each.
//
// The agent is not started with --expose-gc (`node nacre-agent.mjs` must just work), so the flag is set
// for a moment, a fresh vm context comes with a `gc` function, and the flag is cleared again. Node does
// not promise what V8 flags changed after start-up do; both flags used here are read by V8 when they
// are used, and if the function cannot be had, the meter does nothing and memory behaves as before.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Bytes of short-lived buffers between two young-generation collections. */
const DEFAULT_EVERY_BYTES = 4 * 1024 * 1024;

type Collect = () => void;
let youngCollector: Collect | null | undefined;

function loadYoungCollector(): Collect | null {
  let gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== "function") {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc");
    } catch {
      gc = undefined;
    } finally {
      // Only the context made above gets the function; later contexts and workers stay as they were.
      setFlagsFromString("--no-expose-gc");
    }
  }
  if (typeof gc !== "function") return null;
  // V8 grows the young generation once enough has survived its collections since the last growth; a
  // few hundred of these collections add up to that (~0.15 MiB survives each), and it grew 8 → 32 MiB
  // over a 2 GiB backup, +15 MiB of peak memory for nothing. Growth stays where it is from here on, as
  // the installed agent's --max-semi-space-size=1 (infra/agent/install.sh) already caps it.
  setFlagsFromString("--semi-space-growth-factor=1");
  const collect = gc as (options: { type: "minor"; execution: "sync" }) => void;
  return () => collect({ type: "minor", execution: "sync" });
}

/**
 * A meter for short-lived buffers: call it with the size of each one made; every `everyBytes` it runs
 * a young-generation collection, so they are freed while young instead of piling up for a full one.
 */
export function meterShortLivedBuffers(everyBytes: number = DEFAULT_EVERY_BYTES): (bytes: number) => void {
  youngCollector ??= loadYoungCollector();
  const collect = youngCollector;
  if (!collect) return () => undefined;
  let made = 0;
  return (bytes) => {
    made += bytes;
    if (made < everyBytes) return;
    made = 0;
    collect();
  };
}
