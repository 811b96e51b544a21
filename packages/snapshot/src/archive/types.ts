// Public shapes of the archive layer: what the writer takes and reports, what the extractor returns.

/** One tree to archive: `path` (a directory, or a single file) appears in the archive under `name`. */
export interface ArchiveRoot {
  /** Top-level archive name: "state", "workspace", "extra/0". Relative, no "." or ".." components. */
  name: string;
  /** Absolute path of a directory or a single file. A symlink here is followed; inside the tree never. */
  path: string;
}

/** Something the archive could not include as it is on disk, reported but not fatal. */
export interface ArchiveWarning {
  code:
    | "W_SKIPPED_SPECIAL"
    | "W_VANISHED"
    | "W_UNREADABLE"
    | "W_CHANGED"
    | "W_SQLITE_RAW"
    | "W_UNENCODABLE_NAME";
  /** The absolute path on disk. */
  path: string;
  message: string;
}

/** Running totals of the writer: files finished and file bytes read so far. */
export interface ArchiveProgress {
  files: number;
  bytes: number;
}

export interface ArchiveOptions {
  /** gitignore-style patterns matched against archive paths ("state/cache/x", "workspace/tmp/"). */
  exclude?: string[];
  onWarning?: (w: ArchiveWarning) => void;
  onProgress?: (p: ArchiveProgress) => void;
  /** Where consistent SQLite copies are staged; defaults to os.tmpdir(). Never holds archive bytes. */
  tempDir?: string;
  signal?: AbortSignal;
  /**
   * What an unreadable file or directory (EACCES, EPERM) does: fail the archive (default, because a backup
   * must not silently miss data) or skip it with a W_UNREADABLE warning.
   */
  unreadable?: "error" | "warn";
}

export interface ExtractOptions extends ListOptions {
  onProgress?: (p: { files: number; bytes: number }) => void;
  signal?: AbortSignal;
  /**
   * Who owns what is restored: the user running the restore ("current", the default), or the owners
   * recorded in the archive ("archive": uid and gid, as root restoring a VM's data for the app's user).
   */
  owners?: "current" | "archive";
}

export interface ListOptions {
  /**
   * Symlinks whose target is absolute or resolves outside the extracted tree: refused with E_UNSAFE_LINK
   * (default), or kept as they are. Either way nothing is ever written through a symlink; "keep" only
   * restores links that point elsewhere, as GNU tar does, for trees that legitimately have them.
   */
  outsideLinks?: "reject" | "keep";
  /**
   * Called with each chunk of the source once the archive has been read past it, so that its producer
   * may reuse the memory (OpenedSnapshot.recycle).
   */
  recycle?: (chunk: Buffer) => void;
}

/** Counts of what an extraction wrote. */
export interface ExtractResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

/** Metadata of one archive entry, as listArchive reports it. */
export interface ArchiveEntryInfo {
  path: string;
  type: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  mtime: Date;
  linkpath?: string;
}
