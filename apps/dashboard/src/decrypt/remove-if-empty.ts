// After a failed Decrypt locally, the file the save dialog named must be as it was: Chromium creates
// a new name as an empty file when the dialog closes, and an aborted writable leaves it empty. Only
// an empty file is removed, never one that held data (the customer may have picked an existing file
// to overwrite; an aborted writable leaves its old contents in place).

/** Removes the file behind `handle` if it is empty and the browser can remove files; never throws. */
export async function removeIfEmpty(handle: FileSystemFileHandle): Promise<void> {
  try {
    if ((await handle.getFile()).size !== 0) return;
    await (handle as FileSystemFileHandle & { remove?: () => Promise<void> }).remove?.();
  } catch {
    // Nothing to do: the file stays, empty, under the name the customer chose.
  }
}
