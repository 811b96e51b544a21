// The contract every backup store keeps, whatever holds the bytes (S3/R2 or a directory).

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ObjectInfo extends StoredObject {
  /** Hex SHA-256 of the stored bytes, as recorded by put(); absent for objects written by others. */
  sha256?: string;
  metadata: Record<string, string>;
}

export interface PutOptions {
  /** Estimate of the total bytes, used to choose the part size. */
  expectedSize: number;
  /** Bytes the store has acknowledged so far. */
  onProgress?: (uploadedBytes: number) => void;
  signal?: AbortSignal;
  contentType?: string;
  /**
   * Called with each chunk of the body once the store no longer needs it (written and hashed, or
   * copied into a part), so the producer may reuse its memory. Never called for a chunk still in use.
   */
  release?: (chunk: Uint8Array) => void;
}

export interface PutResult {
  key: string;
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
}

export interface GetOptions {
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface BackupStore {
  /** Where the bytes go, for logs and messages: "s3://bucket/ at http://…" or "fs:/mnt/nas/openclaw". */
  readonly description: string;
  /** Stores the body under `key`; a rejected put never leaves a partial object behind. */
  put(key: string, body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<PutResult>;
  /** Every object whose key starts with `prefix`, sorted by key; never an unfinished upload. */
  list(prefix: string): Promise<StoredObject[]>;
  /** The object's size and metadata, or null when there is no such object. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Streams the object; S3 resumes a dropped connection where it broke off. */
  get(key: string, opts?: GetOptions): Promise<{ size: number; body: AsyncIterable<Uint8Array> }>;
  /** Removes the object; deleting a missing object succeeds. */
  delete(key: string): Promise<void>;
}
