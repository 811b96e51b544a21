import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { AppControl } from "./app-control.ts";

const dir = mkdtempSync(join(tmpdir(), "nacre-app-control-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function app(name: string): { control: AppControl; log: () => string[] } {
  const file = join(dir, `${name}.log`);
  const sh = (line: string): string[] => ["/bin/sh", "-c", `echo ${line} >> '${file}'`];
  const control = new AppControl({ app: { pauseCommand: sh("pause"), resumeCommand: sh("resume") }, configPath: "/etc/nacre/agent.json" });
  return { control, log: () => readFileSync(file, "utf8").trim().split("\n") };
}

describe("the app's pause before a restore", () => {
  it("resumes the app by itself when nothing follows a pause with a watchdog", async () => {
    const { control, log } = app("watchdog");
    const heard: (string | undefined)[] = [];
    await control.pause({ resumeAfterMs: 50, onWatchdog: (problem) => heard.push(problem) });
    expect(control.isPaused()).toBe(true);
    await sleep(400);
    expect(log()).toEqual(["pause", "resume"]);
    expect(heard).toEqual([undefined]);
    expect(control.isPaused()).toBe(false);
  });

  it("leaves the app paused when a restore takes it over, or an explicit resume comes first", async () => {
    const held = app("held");
    await held.control.pause({ resumeAfterMs: 50 });
    held.control.holdForRestore();
    await sleep(300);
    expect(held.log()).toEqual(["pause"]);
    expect(held.control.isPaused()).toBe(true);

    const resumed = app("resumed");
    await resumed.control.pause({ resumeAfterMs: 100 });
    await resumed.control.resume();
    await sleep(300);
    expect(resumed.log()).toEqual(["pause", "resume"]);
  });

  it("lets a snapshot wait until a pause under way has finished", async () => {
    const { control, log } = app("settled");
    const pausing = control.pause();
    await control.settled();
    expect(log()).toEqual(["pause"]);
    await pausing;
  });
});
