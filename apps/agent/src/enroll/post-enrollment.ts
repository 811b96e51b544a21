// The one HTTP exchange of enrollment: the one-time token and the public keys go to the gateway's
// /enroll, the VM id and the control plane's grant key come back. Every refusal the gateway documents
// becomes a CliError with its code and a sentence saying what to do.
import { importPublicKey } from "@nacre/core";
import { InitialRestoreStatus } from "@nacre/protocol";
import * as z from "zod";
import { CliError, ExitCode } from "../runtime/cli-error.ts";

export interface EnrollmentRequest {
  gatewayUrl: string;
  token: string;
  /** Ed25519 public key, raw 32 bytes as base64url. */
  identityKey: string;
  /** X25519 public key, raw 32 bytes as base64url. */
  sealingKey: string;
  agentVersion: string;
  signal: AbortSignal;
}

const Enrolled = z.object({
  vmId: z.uuid(),
  controlPlaneKey: z.string(),
  /** Absent from gateways that predate initial restores. */
  initialRestore: InitialRestoreStatus.optional().catch(undefined),
});
export type Enrolled = z.infer<typeof Enrolled>;
const Refusal = z.object({ code: z.string().regex(/^E_[A-Z0-9_]+$/), message: z.string() });

const TIMEOUT_MS = 30_000;

const WHAT_TO_DO: Record<string, string> = {
  E_ENROLL_TOKEN_USED: "each token enrolls one VM once — ask for a new token",
  E_ENROLL_TOKEN_EXPIRED: "ask for a new token and enroll within its lifetime",
  E_ENROLL_TOKEN_UNKNOWN: "check that the token was copied whole, and that --gateway points at the right control plane",
  E_ENROLL_VM_GONE: "the VM this token was made for no longer exists — provision it again",
};

/** The HTTP(S) URL of enrollment: the gateway URL's scheme made http(s), same host and port, path /enroll. */
export function enrollmentUrl(gatewayUrl: string): string {
  const url = new URL(gatewayUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = "/enroll";
  url.search = "";
  url.hash = "";
  return url.toString();
}

/** POSTs the enrollment; resolves with the VM id and control-plane key, or throws a CliError. */
export async function postEnrollment(request: EnrollmentRequest): Promise<Enrolled> {
  const url = enrollmentUrl(request.gatewayUrl);
  const { token, identityKey, sealingKey, agentVersion } = request;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ token, identityKey, sealingKey, agentVersion }),
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(TIMEOUT_MS)]),
      redirect: "error",
    });
    text = await response.text();
  } catch (error) {
    if (request.signal.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError("E_GATEWAY_UNREACHABLE", `cannot reach ${url} (${why}) — check the gateway URL and the VM's network`, ExitCode.gateway, { cause: error });
  }
  const body = parseJson(text);
  if (response.status === 200) return readEnrolled(url, body);
  const refusal = Refusal.safeParse(body);
  if ((response.status === 403 || response.status === 410 || response.status === 422) && refusal.success) {
    const { code, message } = refusal.data;
    // The gateway's messages usually say what to do already; ours is added only when it does not.
    const advice = message.includes(" — ") ? undefined : WHAT_TO_DO[code];
    throw new CliError(code, `the gateway refused the enrollment: ${message}${advice ? ` — ${advice}` : ""}`, ExitCode.enrollRefused);
  }
  const detail = refusal.success ? `${refusal.data.code}: ${refusal.data.message}` : text.slice(0, 200) || "(empty body)";
  throw new CliError(
    "E_GATEWAY_RESPONSE",
    `${url} answered HTTP ${response.status} (${detail}) — the token was not necessarily used; retry later, and check that --gateway points at a Nacre gateway`,
    ExitCode.gateway,
  );
}

function readEnrolled(url: string, body: unknown): Enrolled {
  const parsed = Enrolled.safeParse(body);
  let keyOk = false;
  if (parsed.success) {
    try {
      importPublicKey(parsed.data.controlPlaneKey, "ed25519");
      keyOk = true;
    } catch {
      keyOk = false;
    }
  }
  if (!parsed.success || !keyOk) {
    throw new CliError(
      "E_GATEWAY_RESPONSE",
      `${url} accepted the enrollment but answered without a usable { vmId, controlPlaneKey } — the token is now used; report this to the platform's support`,
      ExitCode.gateway,
    );
  }
  // The protocol's signed bytes carry the VM id as text, in lower case (docs/protocol.md).
  return { vmId: parsed.data.vmId.toLowerCase(), controlPlaneKey: parsed.data.controlPlaneKey.trim(), initialRestore: parsed.data.initialRestore };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
