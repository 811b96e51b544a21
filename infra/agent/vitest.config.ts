import { defineProject } from "vitest/config";

// The installer's tests run bash and systemd-analyze on temp staging roots; no servers, no build.
// Run alone with `pnpm vitest run --root infra/agent` (vitest resolves from the repo root's node_modules).
export default defineProject({
  test: {
    name: "infra-agent",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
