// Bundles the agent into one file that runs with plain `node` and no node_modules beside it.
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version?: string };

await build({
  entryPoints: ["src/bin.ts"],
  outfile: "dist/nacre-agent.mjs",
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // Whitespace and comments out (3.2 → 2.1 MB): a bundle with no non-ASCII character left is held by V8
  // as a one-byte string, half the memory of the two-byte string the comments of some dependencies
  // forced; -4.5 MiB RSS for every command. Names are kept, so stack traces still read. (zod is
  // imported as a namespace everywhere, `import * as z`, so esbuild keeps only the parts used:
  // 586 → 144 KiB of zod, 1.7 MB in all, −10 ms and −1.8 MiB at every start.)
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  legalComments: "none",
  define: { NACRE_AGENT_VERSION: JSON.stringify(pkg.version ?? "0.1.0") },
  // Some bundled CommonJS dependencies call require() for Node builtins; give ESM a require.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __nacreCreateRequire } from 'node:module';\nconst require = __nacreCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
