import { defineConfig } from "vitest/config";

// Every package and app is its own vitest project; one run reports them all together.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "infra/agent"],
  },
});
