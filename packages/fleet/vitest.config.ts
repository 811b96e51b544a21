import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/postgres.global.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
