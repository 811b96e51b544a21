// Runs the pgTAP suite (supabase/tests/*.test.sql) with psql against a fresh, migrated database,
// one vitest test per SQL file. A failure lists every failing assertion with pgTAP's diagnostics.
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { SUPABASE_DIR } from "@nacre/db/migrate";
import { createTestDatabase } from "@nacre/db/testing";
import type { TestDatabase } from "@nacre/db/testing";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { parseTap } from "./parse-tap.ts";

const run = promisify(execFile);
const TESTS_DIR = join(SUPABASE_DIR, "tests");
const files = (await readdir(TESTS_DIR)).filter((f) => f.endsWith(".test.sql")).sort();

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject("postgresUrl"));
  await psql(db.url, join(TESTS_DIR, "setup", "helpers.sql"));
});
afterAll(async () => {
  await db?.drop();
});

test("the pgTAP suite has files to run", () => {
  expect(files.length).toBeGreaterThan(0);
});

for (const file of files) {
  test(`pgTAP ${file}`, async () => {
    const { stdout } = await psql(db.url, join(TESTS_DIR, file), ["-t", "-A"]);
    const tap = parseTap(stdout);
    const problems = [
      ...tap.failed.map((f) => [`not ok - ${f.description}`, ...f.diagnostics].join("\n")),
      ...tap.notes,
    ];
    expect(problems, `${file}:\n${problems.join("\n")}`).toEqual([]);
    expect(tap.planned, `${file} declares a plan`).toBeGreaterThan(0);
    expect(tap.passed.length).toBe(tap.planned);
    // The SQL must leave nothing behind: every file runs in a transaction it rolls back.
    expect(await readFile(join(TESTS_DIR, file), "utf8")).toMatch(/\brollback;\s*$/);
  });
}

async function psql(url: string, file: string, extra: string[] = []): Promise<{ stdout: string }> {
  try {
    return await run("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...extra, "-d", url, "-f", file], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`psql -f ${file} failed:\n${stderr ?? ""}\n${stdout ?? ""}`, { cause: error });
  }
}
