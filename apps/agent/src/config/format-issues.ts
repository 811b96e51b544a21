import type { z } from "zod";
import { describeType, formatPath, valueAt } from "./format-path.ts";
import { closestField, knownFieldsAt } from "./suggest-field.ts";

// Turns zod issues into one line per problem, written for someone editing openclaw.json: the JSON path,
// what was expected, what was found. Values of secret fields are never echoed, only their type.

const SECRET_FIELDS = new Set(["accessKeyId", "secretAccessKey", "passphrase"]);

export interface FormatIssuesInput {
  issues: readonly z.core.$ZodIssue[];
  schema: z.ZodType;
  /** The value that was validated (the substituted `backup` section). */
  input: unknown;
  /** Path of `input` inside openclaw.json, e.g. ["backup"]. */
  basePath: readonly string[];
}

/** One human-readable line per zod issue, each starting with the full JSON path. */
export function formatIssues({ issues, schema, input, basePath }: FormatIssuesInput): string[] {
  return issues.flatMap((issue) => {
    const where = formatPath([...basePath, ...issue.path.map(toSegment)]);
    const value = valueAt(input, issue.path);
    const got = describeValue(value, issue.path);
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownFieldsAt(schema, issue.path, input);
        return issue.keys.map((key) => `${formatPath([...basePath, ...issue.path.map(toSegment), key])}: ${unknownField(key, known)}`);
      }
      case "invalid_type":
        return value === undefined
          ? [`${where}: required (expected ${article(issue.expected)})`]
          : [`${where}: expected ${article(issue.expected)}, got ${got}`];
      case "invalid_value":
        return [`${where}: expected ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}, got ${got}`];
      case "invalid_union": {
        // A discriminated union (storage.provider) reports its allowed values in fields zod's issue type
        // does not declare.
        const { options } = issue as { options?: unknown };
        if (Array.isArray(options)) {
          return [`${where}: expected ${options.map((v) => JSON.stringify(v)).join(" or ")}, got ${got}`];
        }
        return [`${where}: ${issue.message}, got ${got}`];
      }
      default: {
        // "got an object" after a rule about the whole object (passphrase vs keyFile) says nothing, and
        // a message that already quotes the value (the schedule's) need not repeat it.
        const isScalar = value !== undefined && (value === null || typeof value !== "object");
        const quoted = typeof value === "string" && issue.message.includes(JSON.stringify(value));
        return [`${where}: ${issue.message}${isScalar && !quoted ? `, got ${got}` : ""}`];
      }
    }
  });
}

function unknownField(key: string, known: readonly string[]): string {
  const suggestion = closestField(key, known);
  if (suggestion !== undefined) return `unknown field — did you mean "${suggestion}"?`;
  return known.length > 0 ? `unknown field — the fields allowed here are ${known.join(", ")}` : "unknown field";
}

function describeValue(value: unknown, path: readonly PropertyKey[]): string {
  const field = path.at(-1);
  if (typeof field === "string" && SECRET_FIELDS.has(field)) return describeType(value);
  if (typeof value === "string") {
    // A URL's user:password is a secret too (a gateway or endpoint URL with credentials in it).
    const shown = value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
    return `${JSON.stringify(shown.length > 60 ? `${shown.slice(0, 57)}...` : shown)}`;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return describeType(value);
}

function article(type: string): string {
  // zod 4 reports a failed .int() as invalid_type with expected "int".
  if (type === "int") return "a whole number";
  if (type === "array" || type === "object") return `an ${type}`;
  return `a ${type}`;
}

function toSegment(key: PropertyKey): string | number {
  return typeof key === "symbol" ? String(key) : key;
}
