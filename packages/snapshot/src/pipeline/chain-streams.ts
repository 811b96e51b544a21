import { pipeline, type Duplex, type Readable } from "node:stream";

/**
 * Pipes a source through transforms and returns the last one to read from. If any stage fails, every
 * stage is destroyed and the reader sees that error; if the reader stops early, the stages are torn
 * down too. (Node's `stream.compose` does this but is still experimental.)
 */
export function chainStreams(source: Readable, ...stages: Duplex[]): Readable {
  if (stages.length === 0) return source;
  return pipeline(source, ...(stages as [Duplex, ...Duplex[]]), () => {
    // Errors reach the reader through the destroyed last stage; nothing to do here.
  }) as unknown as Readable;
}
