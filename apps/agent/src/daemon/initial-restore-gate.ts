// The gate that holds the app's first start on a fresh VM until the restore a resubscribed customer is
// owed has put their data in place, or is known not to come (docs/agent-install.md, "Holding the app
// until the initial restore"). Its state lives in <stateDir>/initial-restore.json:
//
//   enroll        writes `pending` or `not-needed`, from the gateway's answer
//   run           opens it: `restored` just before a restore resumes the app on the restored data
//                 (so a resume through `systemctl start` is not held by the gate it waits for), or as the
//                 control plane says (auth.ok, initial-restore.status): `not-needed`, `failed`
//   wait-ready    polls it (the app's ExecStartPre) and exits once it is open
//
// Once open it stays open: a later restore is an ordinary one, and a gate must never close on a running app.
import { join } from "node:path";
import type { InitialRestoreStatus } from "@nacre/protocol";
import * as z from "zod";
import { JsonStateWriter, readJsonState } from "./json-state-file.ts";

export const GateState = z.enum(["pending", "restored", "not-needed", "failed"]);
export type GateState = z.infer<typeof GateState>;

export const GateFile = z.object({
  v: z.literal(1),
  state: GateState,
  at: z.iso.datetime(),
  restoreId: z.string().optional(),
  message: z.string().optional(),
});
export type GateFile = z.infer<typeof GateFile>;

/** Where the gate's state lives. */
export const gatePath = (stateDir: string): string => join(stateDir, "initial-restore.json");

/** Reads the gate; undefined when the file does not exist (or cannot be read: moved aside, `onCorrupt` told). */
export async function readGate(stateDir: string, onCorrupt: (message: string) => void): Promise<GateFile | undefined> {
  return readJsonState(gatePath(stateDir), GateFile.optional(), () => undefined, "the gate counts as open", onCorrupt);
}

/** Writes the gate as enrollment found it: pending when the control plane will restore onto this VM. */
export async function writeEnrolledGate(stateDir: string, status: InitialRestoreStatus | undefined, now: Date): Promise<GateState> {
  // A gateway that predates initial restores never restores onto a fresh VM by itself.
  const state: GateState = status?.state === "pending" ? "pending" : status?.state === "failed" ? "failed" : "not-needed";
  await new JsonStateWriter(gatePath(stateDir)).save({ v: 1, state, at: now.toISOString(), ...(status?.message ? { message: status.message } : {}) });
  return state;
}

/** The daemon's side: opens the gate once, from whichever event comes first. */
export class InitialRestoreGate {
  private readonly writer: JsonStateWriter;
  private state: GateState | undefined;
  private readonly now: () => Date;

  private constructor(stateDir: string, state: GateState | undefined, now: () => Date) {
    this.writer = new JsonStateWriter(gatePath(stateDir));
    this.state = state;
    this.now = now;
  }

  static async open(stateDir: string, now: () => Date, onCorrupt: (message: string) => void): Promise<InitialRestoreGate> {
    return new InitialRestoreGate(stateDir, (await readGate(stateDir, onCorrupt))?.state, now);
  }

  get pending(): boolean {
    return this.state === "pending";
  }

  /** A restore is about to resume the app on restored data; returns true when this opened the gate. */
  async restored(restoreId: string): Promise<boolean> {
    return this.openWith({ state: "restored", restoreId });
  }

  /** What the control plane said (auth.ok, initial-restore.status); returns true when this opened the gate. */
  async fromControlPlane(status: InitialRestoreStatus): Promise<boolean> {
    if (status.state === "pending") return false;
    return this.openWith(status.state === "failed" ? { state: "failed", message: status.message ?? "the control plane gave the restore up" } : { state: "not-needed" });
  }

  private async openWith(next: { state: Exclude<GateState, "pending">; restoreId?: string; message?: string }): Promise<boolean> {
    if (this.state !== "pending") return false;
    this.state = next.state;
    await this.writer.save({ v: 1, at: this.now().toISOString(), ...next });
    return true;
  }
}
