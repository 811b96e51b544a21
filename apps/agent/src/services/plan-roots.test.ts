import { describe, expect, it } from "vitest";
import { planRoots } from "./plan-roots.ts";

describe("planRoots", () => {
  it("names the roots state/, workspace/, extra/<n>/", () => {
    expect(planRoots({ stateDir: "/s", workspace: "/w", extraPaths: ["/a", "/b"] }).roots).toEqual([
      { name: "state", path: "/s" },
      { name: "workspace", path: "/w" },
      { name: "extra/0", path: "/a" },
      { name: "extra/1", path: "/b" },
    ]);
  });

  it("stores a workspace inside the state dir once, as workspace/, cut out of state/", () => {
    const plan = planRoots({ stateDir: "/home/u/.openclaw", workspace: "/home/u/.openclaw/workspace", extraPaths: [] });
    expect(plan.exclude).toEqual(["/state/workspace/"]);
  });

  it("leaves unrelated roots alone and skips absent ones", () => {
    expect(planRoots({ stateDir: null, workspace: "/w", extraPaths: ["/wx"] })).toEqual({ roots: [{ name: "workspace", path: "/w" }, { name: "extra/0", path: "/wx" }], exclude: [] });
  });
});
