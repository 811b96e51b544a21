export { compressSource, createDecompressStages, type Compression, type CompressOptions } from "./create-compress-stream.ts";
export { FrameCompressor, type CompressFrame, type FrameCodec, type FrameCompressorOptions, type ByteSource } from "./frame-compressor.ts";
export { detectContent, type DetectedContent } from "./detect-content.ts";
export { iterableSource } from "./iterable-source.ts";
