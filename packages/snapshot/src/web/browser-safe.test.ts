// The module is bundled into a browser Web Worker: its runtime files may use Web platform APIs and
// fzstd only, never Node built-ins or the Node-only rest of @nacre/snapshot. Its copies of the
// format's constants must match the Node reader's.
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as node from "../format/constants.ts";
import * as web from "./format-constants.ts";

const dir = new URL("./", import.meta.url);
const runtimeFiles = readdirSync(dir).filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts") && name !== "test-support.ts");

describe("browser safety", () => {
  it.each(runtimeFiles)("%s imports only sibling files and fzstd, and uses no Node globals", (name) => {
    const source = readFileSync(new URL(name, dir), "utf8");
    const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1] as string);
    for (const specifier of specifiers) expect(specifier, `${name} imports ${specifier}`).toMatch(/^(\.\/[a-z0-9-]+\.ts|fzstd)$/);
    const code = source.replace(/\/\/.*$/gm, "");
    expect(code).not.toMatch(/\b(Buffer|process|require|__dirname|setImmediate)\b/);
  });

  it("covers every runtime file index.ts reaches", () => {
    expect(runtimeFiles).toContain("index.ts");
    expect(runtimeFiles.length).toBeGreaterThan(10);
  });

  it("uses the same format constants as the Node reader", () => {
    expect(Buffer.from(web.MAGIC).equals(node.MAGIC)).toBe(true);
    for (const name of ["INFO_PAYLOAD", "INFO_HEADER_MAC", "INFO_KEY_CHECK"] as const) expect(web[name]).toBe(node[name].toString("utf8"));
    for (const name of Object.keys(web) as Array<keyof typeof web>) {
      if (typeof web[name] === "number") expect(web[name], name).toBe(node[name as keyof typeof node]);
    }
    expect(web.KEY_MODES).toEqual({ 1: "passphrase", 2: "keyfile", 3: "managed" });
    for (const [code, mode] of Object.entries(web.KEY_MODES)) expect(node.keyModeFromCode(Number(code))).toBe(mode);
    expect(node.contentTypeFromCode(1)).toBe(web.CONTENT_TYPES[1]);
    expect(node.contentTypeFromCode(2)).toBe(web.CONTENT_TYPES[2]);
  });
});
