// What the Decrypt locally page and its Web Worker say to each other.

export interface WorkerRequest {
  file: File;
  /** The file's data key; transferred, so the page no longer holds it once sent. */
  dataKey: Uint8Array;
  /** Where to stream the tar (browsers with showSaveFilePicker); without it the worker answers a Blob. */
  handle?: FileSystemFileHandle;
}

export type WorkerReply =
  | { type: "progress"; bytesRead: number }
  | { type: "done"; bytesWritten: number; blob?: Blob }
  | { type: "failed"; code: string; message: string };
