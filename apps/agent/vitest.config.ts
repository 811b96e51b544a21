import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The CLI tests run the real one-file bundle; build it once before they start.
    globalSetup: ["test/build-bundle.global.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
