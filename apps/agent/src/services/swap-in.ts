import { cp, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { pathExists, syncDir } from "../runtime/fs-checks.ts";

/** A verified, staged directory and the place it must end up. */
export interface Placement {
  staged: string;
  dest: string;
}

export interface SwapResult {
  /** Where each replaced directory now lives (`<dest>.pre-restore-<stamp>`). */
  kept: { dest: string; keptAt: string }[];
}

/**
 * Puts staged directories in place with renames only, keeping what was there as
 * `<dest>.pre-restore-<stamp>`. Either every placement lands or none does: a failure part-way swaps
 * back what was already moved. Staged trees on another filesystem are first copied beside their
 * destination (before anything is moved), so the swap itself is a handful of atomic renames.
 */
export async function swapIn(placements: Placement[], stamp: string): Promise<SwapResult> {
  // Parents before children: a workspace inside the state dir is placed after the state dir.
  const ordered = [...placements].sort((a, b) => a.dest.length - b.dest.length);
  const incoming: string[] = [];
  try {
    for (const p of ordered) {
      if (!(await sameDevice(p.staged, dirname(p.dest)))) {
        const beside = `${p.dest}.nacre-incoming-${stamp}`;
        await cp(p.staged, beside, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false });
        incoming.push(beside);
        p.staged = beside;
      }
    }
  } catch (err) {
    await Promise.all(incoming.map((dir) => rm(dir, { recursive: true, force: true })));
    throw err;
  }

  const done: { p: Placement; keptAt: string | null }[] = [];
  try {
    for (const p of ordered) {
      const keptAt = (await pathExists(p.dest)) ? `${p.dest}.pre-restore-${stamp}` : null;
      if (keptAt) await rename(p.dest, keptAt);
      try {
        await rename(p.staged, p.dest);
      } catch (err) {
        if (keptAt) await rename(keptAt, p.dest);
        throw err;
      }
      done.push({ p, keptAt });
      await syncDir(dirname(p.dest));
    }
  } catch (err) {
    for (const { p, keptAt } of done.reverse()) {
      await rename(p.dest, p.staged);
      if (keptAt) await rename(keptAt, p.dest);
    }
    throw err;
  }
  return { kept: done.filter((d) => d.keptAt).map((d) => ({ dest: d.p.dest, keptAt: d.keptAt! })) };
}

async function sameDevice(a: string, b: string): Promise<boolean> {
  try {
    return (await stat(a)).dev === (await stat(b)).dev;
  } catch {
    return false;
  }
}
