import { describe, expect, it } from "vitest";
import { describeFailure, FAILURE_WORDS, failureKind } from "./describe-failure.ts";

describe("the customer's words for a failed night", () => {
  it("names the usual causes in terms of the customer's server", () => {
    expect(describeFailure("E_AGENT_OFFLINE")).toMatch(/^The backup agent on your server was not reachable\./);
    expect(describeFailure("E_DISK_FULL")).toMatch(/ran out of disk space.*Free some disk space/);
    expect(describeFailure("E_SNAPSHOT_TIMEOUT")).toMatch(/took too long/);
    expect(describeFailure("E_COMMAND_TIMEOUT")).toMatch(/did not respond in time/);
    expect(describeFailure("E_NETWORK")).toMatch(/upload from your server to backup storage/);
    expect(describeFailure("E_COMPLETE_FAILED")).toMatch(/on our side/);
    expect(describeFailure("E_SNAPSHOT_IN_FLIGHT")).toBe(describeFailure("E_BUSY"));
  });

  it("treats every refused grant or key as ours, and anything unknown as ours too", () => {
    expect(failureKind("E_GRANT_EXPIRED")).toBe("key");
    expect(failureKind("E_SEAL_OPEN")).toBe("key");
    expect(failureKind("E_SOMETHING_NEW")).toBe("internal");
    expect(describeFailure("E_SOMETHING_NEW")).toMatch(/problem on our side/);
  });

  it("never shows a code or a stack to the customer", () => {
    for (const words of Object.values(FAILURE_WORDS)) {
      expect(words).not.toMatch(/E_[A-Z]|Error|undefined/);
      expect(words).toMatch(/^[A-Z].*\.$/);
    }
  });
});
