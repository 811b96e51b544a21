import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { swapIn } from "./swap-in.ts";

function dirWith(path: string, file: string, text: string) {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, file), text);
}

describe("swapIn", () => {
  it("places staged trees, keeps the old ones as .pre-restore-<stamp>, parents before children", async () => {
    const root = mkdtempSync(join(tmpdir(), "nacre-swap-"));
    dirWith(join(root, "state"), "a", "old state");
    dirWith(join(root, "state/workspace"), "m", "old workspace");
    dirWith(join(root, "staging/state"), "a", "new state");
    dirWith(join(root, "staging/workspace"), "m", "new workspace");
    const r = await swapIn(
      [
        { staged: join(root, "staging/workspace"), dest: join(root, "state/workspace") },
        { staged: join(root, "staging/state"), dest: join(root, "state") },
      ],
      "T",
    );
    expect(readFileSync(join(root, "state/a"), "utf8")).toBe("new state");
    expect(readFileSync(join(root, "state/workspace/m"), "utf8")).toBe("new workspace");
    expect(readFileSync(join(root, "state.pre-restore-T/workspace/m"), "utf8")).toBe("old workspace");
    expect(r.kept).toEqual([{ dest: join(root, "state"), keptAt: join(root, "state.pre-restore-T") }]);
  });

  it("rolls back every placement when one fails, leaving the originals where they were", async () => {
    const root = mkdtempSync(join(tmpdir(), "nacre-swap-"));
    dirWith(join(root, "one"), "f", "old one");
    dirWith(join(root, "two"), "f", "old two");
    dirWith(join(root, "staging/one"), "f", "new one");
    dirWith(join(root, "staging/two"), "f", "new two");
    // The name "two" would be kept under is taken, so moving "two" aside fails after "one" was swapped.
    dirWith(join(root, "two.pre-restore-T"), "x", "in the way");
    await expect(
      swapIn(
        [
          { staged: join(root, "staging/one"), dest: join(root, "one") },
          { staged: join(root, "staging/two"), dest: join(root, "two") },
        ],
        "T",
      ),
    ).rejects.toThrow();
    expect(readFileSync(join(root, "one/f"), "utf8")).toBe("old one");
    expect(readFileSync(join(root, "two/f"), "utf8")).toBe("old two");
    expect(readFileSync(join(root, "staging/one/f"), "utf8")).toBe("new one");
    expect(readFileSync(join(root, "staging/two/f"), "utf8")).toBe("new two");
    expect(readdirSync(root).sort()).toEqual(["one", "staging", "two", "two.pre-restore-T"]);
  });
});
