import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/services.global.ts", "test/agent-bundle.global.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
