import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as z from "zod";
import { afterEach, describe, expect, it } from "vitest";
import { JsonStateWriter, readJsonState } from "./json-state-file.ts";

const State = z.object({ v: z.literal(1), n: z.number() });
const empty = (): z.infer<typeof State> => ({ v: 1, n: 0 });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), "nacre-state-"));
  dirs.push(d);
  return d;
};

describe("agent state files", () => {
  it("a missing file reads as empty; a saved one reads back, private to the agent (0600)", async () => {
    const file = join(scratch(), "sub", "state.json");
    const notes: string[] = [];
    expect(await readJsonState(file, State, empty, "forgotten", (m) => notes.push(m))).toEqual({ v: 1, n: 0 });
    const writer = new JsonStateWriter(file);
    await Promise.all([writer.save({ v: 1, n: 1 }), writer.save({ v: 1, n: 2 }), writer.save({ v: 1, n: 3 })]);
    expect(await readJsonState(file, State, empty, "forgotten", (m) => notes.push(m))).toEqual({ v: 1, n: 3 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(notes).toEqual([]);
  });

  it.each([["not JSON", "{nope"], ["the wrong shape", JSON.stringify({ v: 2, n: "x" })]])(
    "a file holding %s is moved aside, reported, and reads as empty",
    async (_what, content) => {
      const dir = scratch();
      const file = join(dir, "state.json");
      writeFileSync(file, content);
      const notes: string[] = [];
      expect(await readJsonState(file, State, empty, "earlier reports are forgotten", (m) => notes.push(m))).toEqual({ v: 1, n: 0 });
      const aside = readdirSync(dir).filter((n) => n.startsWith("state.json.corrupt-"));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(dir, aside[0]!), "utf8")).toBe(content);
      expect(notes[0]).toMatch(/could not be read and was moved to .*; earlier reports are forgotten/);
    },
  );
});
