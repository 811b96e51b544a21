// POST /enroll: a new VM's agent trades its one-time token for a place in the fleet. It sends the
// public halves of the keys it generated; the private halves never leave the VM. The answer carries
// the VM id, the control plane's grant-verification key, which the agent pins, and whether a restore
// is pending for this fresh VM (a resubscribed customer's wish, bound to it in the same transaction),
// which the agent's `wait-ready` gate holds the app's first start for.
import type { IncomingMessage, ServerResponse } from "node:http";
import { exportPublicKey } from "@nacre/core";
import type { KeyObject } from "node:crypto";
import { createPublicKey } from "node:crypto";
import type { Sql } from "@nacre/db";
import { bindInitialRestore, enrollAgent, EnrollmentError, withServiceSession } from "@nacre/db";
import * as z from "zod";

const MAX_BODY_BYTES = 16 * 1024;
const rawKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a raw 32-byte public key in base64url (43 characters)");

export const EnrollRequest = z.object({
  token: z.string().min(16).max(256),
  identityKey: rawKey,
  sealingKey: rawKey,
  agentVersion: z.string().min(1).max(64),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export interface EnrollDeps {
  sql: Sql;
  grantSigningKey: KeyObject;
  now: () => Date;
  log: (entry: Record<string, unknown>) => void;
}

/** Handles one enrollment request; always answers JSON. */
export async function handleEnroll(deps: EnrollDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, body: Record<string, unknown>): void => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));
  };
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    const tooLarge = (error as Error).message === "too large";
    reply(tooLarge ? 413 : 400, { code: tooLarge ? "E_TOO_LARGE" : "E_NOT_JSON", message: tooLarge ? "the request is larger than 16 KiB" : "the body must be JSON" });
    return;
  }
  const parsed = EnrollRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    reply(422, { code: "E_BAD_REQUEST", message: `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}` });
    return;
  }
  try {
    const { vmId, initialRestore } = await withServiceSession(deps.sql, async (tx) => {
      const enrolled = await enrollAgent(tx, {
        token: parsed.data.token,
        identityKey: Buffer.from(parsed.data.identityKey, "base64url"),
        sealingKey: Buffer.from(parsed.data.sealingKey, "base64url"),
        now: deps.now(),
      });
      return { vmId: enrolled.vmId, initialRestore: await bindInitialRestore(tx, enrolled.vmId, enrolled.firstEnrollment) };
    });
    deps.log({ level: "info", message: "agent enrolled", vmId, agentVersion: parsed.data.agentVersion, initialRestore: initialRestore.state });
    reply(200, { vmId, controlPlaneKey: exportPublicKey(createPublicKey(deps.grantSigningKey)), initialRestore });
  } catch (error) {
    if (error instanceof EnrollmentError) {
      deps.log({ level: "warn", message: "enrollment refused", code: error.code });
      reply(error.code === "E_ENROLL_VM_GONE" ? 410 : 403, { code: error.code, message: error.message });
      return;
    }
    throw error;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error("too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
