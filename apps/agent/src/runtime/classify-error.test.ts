import { describe, expect, it } from "vitest";
import { classifyError } from "./classify-error.ts";
import { CliError, ExitCode } from "./cli-error.ts";

const coded = (code: string, message = "what happened — what to do") => Object.assign(new Error(`${code}: ${message}`), { code });

describe("classifyError", () => {
  it("gives every package error code its documented exit code and keeps the code and sentence", () => {
    const cases: [string, number][] = [
      ["E_CONFIG_VAR", ExitCode.config],
      ["E_KEYFILE_PERMISSIONS", ExitCode.config],
      ["E_ROOT_INVALID", ExitCode.config],
      ["E_NETWORK", ExitCode.storage],
      ["E_AUTH", ExitCode.storage],
      ["E_NO_DIR", ExitCode.storage],
      ["E_WRONG_KEY", ExitCode.integrity],
      ["E_CHUNK_CORRUPT", ExitCode.integrity],
      ["E_ARCHIVE_TRUNCATED", ExitCode.integrity],
      ["E_UNREADABLE", ExitCode.source],
      ["E_EXTRACT_IO", ExitCode.source],
      ["E_UNSAFE_PATH", ExitCode.restoreRefused],
      ["E_DUPLICATE_ENTRY", ExitCode.restoreRefused],
      ["E_SOMETHING_NEW", ExitCode.internal],
    ];
    for (const [code, exit] of cases) {
      const e = classifyError(coded(code));
      expect(e, code).toBeInstanceOf(CliError);
      expect(e.exitCode, code).toBe(exit);
      expect(e.code, code).toBe(code);
      expect(e.message, code).toBe("what happened — what to do");
    }
  });

  it("reports the real cause of a failed upload, not the store's wrapper", () => {
    const wrapped = Object.assign(new Error("E_SOURCE: reading the data failed"), { code: "E_SOURCE", cause: coded("E_SQLITE_INTEGRITY", "memory/main.sqlite is damaged") });
    const e = classifyError(wrapped);
    expect(e.code).toBe("E_SQLITE_INTEGRITY");
    expect(e.exitCode).toBe(ExitCode.source);
  });

  it("reads a full disk and a broken compressed stream in words a user can act on", () => {
    expect(classifyError(Object.assign(new Error("no space left"), { code: "ENOSPC" }))).toMatchObject({ code: "E_DISK_FULL", exitCode: ExitCode.source });
    expect(classifyError(Object.assign(new Error("bad data"), { code: "ERR_ZSTD_INVALID_INPUT" }))).toMatchObject({ code: "E_COMPRESSED_CORRUPT", exitCode: ExitCode.integrity });
  });
});
