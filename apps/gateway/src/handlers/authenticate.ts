// Checks an agent.hello: the VM exists, is enrolled and not revoked, and the signature over this
// connection's nonce verifies with the VM's enrolled Ed25519 key. Nothing reusable is stored: a
// captured hello is useless on any other connection, because every connection gets a new nonce.
// A verified hello also reads the VM's initial restore state, which auth.ok carries.
import { timingSafeEqual, verify } from "node:crypto";
import { importPublicKey } from "@nacre/core";
import { findAgentIdentity, initialRestoreStatus, recordAgentHello, withServiceSession } from "@nacre/db";
import type { PayloadOf } from "@nacre/protocol";
import { authSigningBytes } from "@nacre/protocol";
import type { GatewayContext } from "../gateway-context.ts";

export type AuthResult = { ok: true; initialRestore: PayloadOf<"initial-restore.status"> } | { ok: false; code: string; message: string };

/** Verifies the hello against the VM's enrolled identity key and records what the agent announced. */
export async function authenticate(ctx: GatewayContext, nonce: string, hello: PayloadOf<"agent.hello">): Promise<AuthResult> {
  const refused = (message: string): AuthResult => ({ ok: false, code: "E_AUTH_FAILED", message });
  const expected = Buffer.from(nonce);
  const echoed = Buffer.from(hello.nonce);
  if (expected.length !== echoed.length || !timingSafeEqual(expected, echoed)) {
    return refused("the hello does not answer this connection's challenge");
  }
  // One transaction for the lookup and the record: a hello is the hot path of a reconnect storm.
  return withServiceSession(ctx.cp.sql, async (tx) => {
    const vm = await findAgentIdentity(tx, hello.vmId);
    // One answer for "unknown VM", "not enrolled", "revoked" and "bad signature": no oracle for probing.
    if (!vm || vm.status === "deleted" || !vm.identityKey) return refused("unknown or unenrolled agent, or a bad signature");
    const signed = authSigningBytes({ nonce, vmId: hello.vmId, gatewayId: ctx.gatewayId });
    const key = importPublicKey(vm.identityKey.toString("base64url"), "ed25519");
    if (!verify(null, signed, key, Buffer.from(hello.signature, "base64url"))) {
      return refused("unknown or unenrolled agent, or a bad signature");
    }
    await recordAgentHello(tx, hello.vmId, hello.agentVersion, hello.capabilities, ctx.gatewayId);
    // Told on every connection, so an agent that missed an initial-restore.status (offline then) catches up.
    const status = await initialRestoreStatus(tx, hello.vmId);
    const initialRestore = status.message === undefined ? { state: status.state } : { state: status.state, message: status.message.slice(0, 2000) };
    return { ok: true, initialRestore } as AuthResult;
  });
}
