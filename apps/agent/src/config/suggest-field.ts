import * as z from "zod";
import { valueAt } from "./format-path.ts";

// "Did you mean …?" for unknown fields. The known names are read from the schema itself, so the
// suggestion can never drift from what the loader accepts.

/** Field names the schema accepts for the object at `path`, choosing union variants by what the user wrote. */
export function knownFieldsAt(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) {
    const options = matchingOptions(inner, valueAt(root, []));
    return [...new Set(options.flatMap((option) => knownFieldsAt(option, path, root)))];
  }
  const [head, ...rest] = path;
  if (head === undefined) return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
  if (inner instanceof z.ZodObject && typeof head === "string") {
    const child = (inner.shape as Record<string, z.ZodType | undefined>)[head];
    return child ? knownFieldsAt(child, rest, valueAt(root, [head])) : [];
  }
  if (inner instanceof z.ZodArray) return knownFieldsAt(inner.element as z.ZodType, rest, valueAt(root, [head]));
  return [];
}

/** The known field closest to `name` (a case slip or a few typos away), or undefined when none is close. */
export function closestField(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { field: string; distance: number } | undefined;
  for (const field of known) {
    const distance = field.toLowerCase() === lower ? 0 : editDistance(lower, field.toLowerCase());
    if (best === undefined || distance < best.distance) best = { field, distance };
  }
  // A third of the name is the tolerance: "maxBackup" → "maxBackups", but "key" is not "keyFile".
  const tolerance = Math.max(1, Math.floor(name.length / 3));
  if (best !== undefined && best.distance <= tolerance) return best.field;
  return sharedPrefixField(lower, known);
}

// Shortened names ("secretKey", "pass") are far in edit distance but share a distinctive start with
// exactly one field; at least 4 characters and half the name, so "a" or "en" suggest nothing.
function sharedPrefixField(lower: string, known: readonly string[]): string | undefined {
  const scored = known.map((field) => ({ field, shared: commonPrefixLength(lower, field.toLowerCase()) }));
  const longest = Math.max(0, ...scored.map((s) => s.shared));
  const winners = scored.filter((s) => s.shared === longest);
  if (longest < 4 || longest * 2 < lower.length || winners.length !== 1) return undefined;
  return winners[0]!.field;
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodOptional ||
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

// For storage: { provider: "s3", pth: … } the s3 fields are the known ones, not the fs ones.
function matchingOptions(union: z.ZodUnion, value: unknown): z.ZodType[] {
  const options = union.options as readonly z.ZodType[];
  if (!(union instanceof z.ZodDiscriminatedUnion)) return [...options];
  const discriminator = union.def.discriminator;
  const chosen = valueAt(value, [discriminator]);
  const matches = options.filter((option) => {
    if (!(option instanceof z.ZodObject)) return false;
    const literal = (option.shape as Record<string, z.ZodType | undefined>)[discriminator];
    return literal instanceof z.ZodLiteral && literal.values.has(chosen as never);
  });
  return matches.length > 0 ? matches : [...options];
}

// Plain Levenshtein distance; field names are short, so the O(n·m) table is a few hundred cells.
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
