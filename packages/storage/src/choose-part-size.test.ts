import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PARTS, MIB, choosePartSize } from "./choose-part-size.ts";
import { isStorageError } from "./storage-error.ts";

const TIB = 1024 ** 4;

describe("choosePartSize", () => {
  it("fits 1.2 × the estimate into 10,000 whole-MiB parts of at least 8 MiB, for 0 B to 5 TiB", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * TIB }), (expected) => {
        const size = choosePartSize(expected);
        expect(size % MIB).toBe(0);
        expect(size).toBeGreaterThanOrEqual(8 * MIB); // and so ≥ S3's 5 MiB minimum
        expect(Math.ceil(expected / size)).toBeLessThanOrEqual(MAX_PARTS);
        expect(Math.ceil((expected * 1.2) / size)).toBeLessThanOrEqual(MAX_PARTS);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is the smallest such size, so small backups do not hold huge buffers", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * TIB }), (expected) => {
        const size = choosePartSize(expected);
        if (size > 8 * MIB) expect(Math.ceil((expected * 1.2) / (size - MIB))).toBeGreaterThan(MAX_PARTS);
      }),
    );
  });

  it.each([
    [0, 8],
    [100 * MIB, 8],
    [64 * 1024 * MIB, 8],
    [100 * 1024 * MIB, 13],
    [TIB, 126],
    [5 * TIB, 630],
  ])("chooses %i B → %i MiB", (expected, mib) => {
    expect(choosePartSize(expected)).toBe(mib * MIB);
  });

  it("rejects an estimate that is not a byte count", () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => choosePartSize(bad)).toThrow(expect.objectContaining({ code: "E_BAD_ARGUMENT" }));
    }
    expect(isStorageError(new Error("x"))).toBe(false);
  });
});
