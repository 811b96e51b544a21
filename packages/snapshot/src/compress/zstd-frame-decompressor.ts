import zlib from "node:zlib";
import type { TransformCallback } from "node:stream";
import { OutputBuffers } from "./output-buffers.ts";
import { ZstdFrameSplitter } from "./zstd-frame-splitter.ts";

/** Frames up to this many compressed bytes are gathered whole and decompressed on a lane (ours are ≤ ~1 MiB, ≤ ~2 MiB before decision 0002's update). */
const MAX_GATHER = 4 * 1024 * 1024;
/** Output slices of the lanes: room for a frame of ours (1 MiB of tar each, 2 MiB in older snapshots). */
const LANE_CHUNK = 2 * 1024 * 1024;
/** A lane whose frame is not next in line stops (backpressure) once it holds this much output. */
const LANE_HOLD_LIMIT = 8 * 1024 * 1024;
/** Output slices of the in-order fallback for bigger frames (the zstd CLI writes one frame per file). */
const SEQUENTIAL_CHUNK = 256 * 1024;

/**
 * Decompresses concatenated zstd frames a few at a time on the thread pool, emitting the output in order:
 * the read-side counterpart of FrameCompressor (decision 0002).
 *
 * Why: one decompression stream fed record by record (64 KiB) made ~8,000 thread-pool round trips per
 * GiB, each leaving the main thread idle while the frame's next piece was decoded. Here each frame is
 * gathered into one reused buffer and written to a long-lived decompression stream ("lane") in one go,
 * while the next frames are gathered and decoded on other lanes. Frames too big to gather (a file made
 * by the zstd CLI is usually one frame) stream in order through a single stream as before, after the
 * lanes have emitted everything before them. Memory: lanes × (one gathered frame + its held output).
 *
 * The lanes write each frame into a buffer lent from a small pool (output-buffers.ts); a reader that
 * hands each emitted chunk back with recycle() once done with it lets later frames reuse that memory,
 * instead of leaving a gigabyte of garbage per GiB restored.
 */
export class ZstdFrameDecompressor extends ZstdFrameSplitter {
  private readonly lanes: Lane[] = [];
  private readonly concurrency: number;
  private readonly outputs: OutputBuffers;
  private readonly inFlight: Job[] = [];
  private readonly freeInputs: Buffer[] = [];
  private segments: { slice: Buffer; frameEnd: boolean }[] = [];
  private gather: Buffer | null = null;
  private gathered = 0;
  /** The current frame streams through `sequential` (it outgrew MAX_GATHER). */
  private streaming = false;
  private sequential: zlib.ZstdDecompress | null = null;
  private sequentialFailure: Error | null = null;

  constructor(concurrency: number) {
    super();
    this.concurrency = Math.max(1, concurrency);
    // One buffer per lane, plus the frames on their way through the reader: its read-ahead, the chunk
    // it is parsing, and one more.
    this.outputs = new OutputBuffers(LANE_CHUNK, this.concurrency + 4);
  }

  /**
   * Takes back a chunk this stream emitted once the reader is done with it (written, copied), so that a
   * later frame may be decompressed into its memory. Chunks not written by a lane are ignored.
   */
  recycle(chunk: Uint8Array): void {
    this.outputs.release(chunk);
  }

  protected override cut(slice: Buffer, frameEnd: boolean): void {
    this.segments.push({ slice, frameEnd });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let failure: Error | null = null;
    try {
      this.split(chunk);
    } catch (err) {
      failure = err as Error; // garbage after a frame: what came before it still goes out first
    }
    const segments = this.segments;
    this.segments = [];
    this.consume(segments).then(() => done(failure), done);
  }

  override _flush(done: TransformCallback): void {
    this.finish().then(() => done(), done);
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    for (const lane of this.lanes) lane.stream.destroy();
    this.sequential?.destroy();
    done(err);
  }

  private async consume(segments: { slice: Buffer; frameEnd: boolean }[]): Promise<void> {
    for (const { slice, frameEnd } of segments) {
      if (!this.streaming && this.gathered + slice.length <= MAX_GATHER) {
        this.gather ??= this.freeInputs.pop() ?? Buffer.allocUnsafe(MAX_GATHER);
        slice.copy(this.gather, this.gathered);
        this.gathered += slice.length;
        if (frameEnd) await this.submit();
        continue;
      }
      if (!this.streaming) {
        // Everything before this frame goes out first; then the frame streams in order.
        await this.drain();
        this.streaming = true;
        await this.writeSequential(this.gather!.subarray(0, this.gathered));
        this.gathered = 0;
      }
      await this.writeSequential(slice);
      if (frameEnd) this.streaming = false;
    }
  }

  /** Starts the gathered frame on a free lane, first retiring the oldest frame if all lanes are busy. */
  private async submit(): Promise<void> {
    while (this.inFlight.length >= this.concurrency) await this.retireOldest();
    const input = this.gather!;
    const length = this.gathered;
    this.gather = null;
    this.gathered = 0;
    const lane = this.lanes.find((l) => l.job === null) ?? this.addLane();
    this.inFlight.push(lane.start(input, length));
  }

  private addLane(): Lane {
    const lane = new Lane((part) => this.push(part), this.outputs);
    this.lanes.push(lane);
    return lane;
  }

  /** Emits the oldest frame's output (what it holds, then the rest as it comes) and frees its lane. */
  private async retireOldest(): Promise<void> {
    const job = this.inFlight[0]!;
    await job.goLive();
    this.inFlight.shift();
    this.freeInputs.push(job.input);
  }

  private async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.retireOldest();
  }

  private writeSequential(bytes: Buffer): Promise<void> {
    if (!this.sequential) {
      const stream = zlib.createZstdDecompress({ chunkSize: SEQUENTIAL_CHUNK });
      stream.on("data", (part: Buffer) => this.push(part));
      stream.on("error", (err) => (this.sequentialFailure = err));
      this.sequential = stream;
    }
    const stream = this.sequential;
    return new Promise((resolve, reject) => {
      if (this.sequentialFailure) return reject(this.sequentialFailure);
      stream.write(bytes, (err) => (err || this.sequentialFailure ? reject(err ?? this.sequentialFailure) : resolve()));
    });
  }

  private async finish(): Promise<void> {
    await this.drain();
    // A frame cut short by the end of input goes to the in-order stream, which reports it as before.
    if (this.gathered > 0 && !this.streaming) await this.writeSequential(this.gather!.subarray(0, this.gathered));
    this.gathered = 0;
    for (const lane of this.lanes) lane.stream.destroy();
    const stream = this.sequential;
    if (!stream) return;
    await new Promise<void>((resolve, reject) => {
      if (this.sequentialFailure) return reject(this.sequentialFailure);
      stream.once("end", resolve);
      stream.once("error", reject);
      stream.end();
    });
  }
}

/** One long-lived decompression stream, one frame at a time. */
class Lane {
  readonly stream: zlib.ZstdDecompress;
  readonly outputs: OutputBuffers;
  job: Job | null = null;

  private readonly emit: (part: Buffer) => void;

  constructor(emit: (part: Buffer) => void, outputs: OutputBuffers) {
    this.emit = emit;
    this.outputs = outputs;
    this.stream = zlib.createZstdDecompress({ chunkSize: LANE_CHUNK });
    this.stream.on("data", (part: Buffer) => {
      outputs.delivered(part);
      this.job?.take(part);
    });
    this.stream.on("error", (err) => this.job?.fail(err));
  }

  start(input: Buffer, length: number): Job {
    const job = new Job(this, input, this.outputs.lend(this.stream), this.emit);
    this.job = job;
    this.stream.write(input.subarray(0, length), (err) => (err ? job.fail(err) : job.written()));
    return job;
  }
}

/** A frame on a lane: its output is held until it is the oldest, then passed straight on. */
class Job {
  readonly input: Buffer;
  private readonly lane: Lane;
  /** The buffer lent for this frame's output, if any. */
  private readonly output: Buffer | null;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private live = false;
  private writeDone = false;
  private done = false;
  private failure: Error | null = null;
  private readonly emit: (part: Buffer) => void;
  private settle: { resolve: () => void; reject: (err: Error) => void } | null = null;

  constructor(lane: Lane, input: Buffer, output: Buffer | null, emit: (part: Buffer) => void) {
    this.lane = lane;
    this.input = input;
    this.output = output;
    this.emit = emit;
  }

  take(part: Buffer): void {
    if (this.live) {
      this.emit(part);
      this.check();
      return;
    }
    this.held.push(part);
    this.heldBytes += part.length;
    if (this.heldBytes >= LANE_HOLD_LIMIT) this.lane.stream.pause();
  }

  written(): void {
    this.writeDone = true;
    this.check();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.settle?.reject(err);
  }

  goLive(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.settle = { resolve, reject };
      for (const part of this.held) this.emit(part);
      this.held = [];
      this.live = true;
      if (this.lane.stream.isPaused()) this.lane.stream.resume();
      this.check();
    });
  }

  // Done once the lane consumed the whole frame and every byte of its output has been passed on.
  private check(): void {
    if (this.done || !this.live || !this.writeDone || this.lane.stream.readableLength > 0) return;
    // Once only: by the time of a second call the buffer could be lent again, for another frame.
    this.done = true;
    if (this.output) this.lane.outputs.seal(this.output);
    this.lane.job = null;
    this.settle?.resolve();
  }
}
