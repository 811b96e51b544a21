// The agent's small state files under <stateDir> (snapshot and restore reports): read with a schema,
// written atomically (temp file + rename, mode 0600) with every write chained after the previous one,
// so an older state can never land after a newer one. A file that cannot be read is moved aside rather
// than stopping the daemon: a daemon that refuses to start over its history protects nothing.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { z } from "zod";

/** Reads `file` with `schema`; missing → `empty()`; unreadable → moved aside, `onCorrupt` told, `empty()`. */
export async function readJsonState<S extends z.ZodType>(
  file: string,
  schema: S,
  empty: () => z.infer<S>,
  forgotten: string,
  onCorrupt: (message: string) => void,
): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return empty();
    throw error;
  }
  let parsed: ReturnType<S["safeParse"]> | undefined;
  try {
    parsed = schema.safeParse(JSON.parse(text)) as ReturnType<S["safeParse"]>;
  } catch {
    parsed = undefined;
  }
  if (parsed?.success) return parsed.data as z.infer<S>;
  const aside = `${file}.corrupt-${randomBytes(4).toString("hex")}`;
  await rename(file, aside);
  onCorrupt(`${file} could not be read and was moved to ${aside}; ${forgotten}`);
  return empty();
}

/** Writes one state file atomically; concurrent saves land in the order they were asked for. */
export class JsonStateWriter {
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  async save(data: unknown): Promise<void> {
    const text = `${JSON.stringify(data, null, 2)}\n`;
    this.writing = this.writing.catch(() => {}).then(() => writeAtomically(this.file, text));
    await this.writing;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
