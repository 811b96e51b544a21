import { defineProject } from "vitest/config";

export default defineProject({
  resolve: {
    alias: {
      "@/": new URL("./src/", import.meta.url).pathname,
      "server-only": new URL("./test/support/server-only.ts", import.meta.url).pathname,
    },
  },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/chromium.global.ts"],
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
