import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readKeyFile } from "./read-key-file.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nacre-keyfile-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keyFile(name: string, contents: string | Buffer, mode = 0o600): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, contents);
  // chmod after writing: writeFile's mode is filtered by the umask.
  await chmod(path, mode);
  return path;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

describe("readKeyFile", () => {
  it("returns the passphrase, minus one trailing newline", async () => {
    expect(await readKeyFile(await keyFile("plain", "s3cret"))).toBe("s3cret");
    expect(await readKeyFile(await keyFile("lf", "s3cret\n"))).toBe("s3cret");
    expect(await readKeyFile(await keyFile("crlf", "s3cret\r\n"))).toBe("s3cret");
    expect(await readKeyFile(await keyFile("two-lf", "s3cret\n\n"))).toBe("s3cret\n");
    expect(await readKeyFile(await keyFile("spaces", "  s3cret  \n"))).toBe("  s3cret  ");
  });

  it("accepts owner-only modes 0600 and 0400", async () => {
    expect(await readKeyFile(await keyFile("ro", "k", 0o400))).toBe("k");
  });

  it.each([0o640, 0o604, 0o620, 0o602, 0o644, 0o666, 0o610])("refuses mode %o with E_KEYFILE_PERMISSIONS and says how to fix it", async (mode) => {
    const path = await keyFile(`mode-${mode.toString(8)}`, "k", mode);
    await expect(readKeyFile(path)).rejects.toThrow(`key file ${path} is readable by group/others — run chmod 600 ${path}`);
    expect(await codeOf(readKeyFile(path))).toBe("E_KEYFILE_PERMISSIONS");
  });

  it("refuses a missing file with E_KEYFILE_MISSING", async () => {
    expect(await codeOf(readKeyFile(join(dir, "nope")))).toBe("E_KEYFILE_MISSING");
    expect(await codeOf(readKeyFile(join(dir, "nope", "deeper")))).toBe("E_KEYFILE_MISSING");
  });

  it("refuses an empty file, or one holding only a newline, with E_KEYFILE_EMPTY", async () => {
    expect(await codeOf(readKeyFile(await keyFile("empty", "")))).toBe("E_KEYFILE_EMPTY");
    expect(await codeOf(readKeyFile(await keyFile("newline", "\n")))).toBe("E_KEYFILE_EMPTY");
    expect(await codeOf(readKeyFile(await keyFile("crlf-only", "\r\n")))).toBe("E_KEYFILE_EMPTY");
  });

  it("refuses binary (non-UTF-8) contents and directories", async () => {
    expect(await codeOf(readKeyFile(await keyFile("binary", Buffer.of(0xff, 0xfe, 0x00, 0x80))))).toBe("E_KEYFILE_ENCODING");
    const sub = join(dir, "a-directory");
    await mkdir(sub, { mode: 0o700 });
    expect(await codeOf(readKeyFile(sub))).toBe("E_KEYFILE_UNREADABLE");
  });
});
