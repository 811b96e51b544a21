/** The gateway closes with this when it does not accept the agent's identity (revoked, unknown, bad signature). */
export const CLOSE_POLICY = 1008;

export interface Disconnect {
  closeCode: number;
  closeReason: string;
  /** What the WebSocket or the agent itself reported (ECONNREFUSED, an auth timeout, …), or "". */
  error: string;
  wasAuthenticated: boolean;
  retryInMs: number;
}

/** The log line for a lost or failed connection: E_AUTH_REFUSED after a 1008 close, W_DISCONNECTED otherwise. */
export function describeDisconnect(d: Disconnect): { code: string; message: string; fields: Record<string, unknown> } {
  const why = [d.closeCode ? `close code ${d.closeCode}` : "", d.closeReason, d.error].filter(Boolean).join(", ");
  const fields = { closeCode: d.closeCode, closeReason: d.closeReason, error: d.error || undefined, retryInMs: d.retryInMs };
  if (d.closeCode === CLOSE_POLICY) {
    return {
      code: "E_AUTH_REFUSED",
      message:
        `the gateway refused this agent's identity (${why}) — if this VM was revoked or re-created, re-enroll it with ` +
        `\`nacre-agent enroll --token <token> --force\`; retrying in ${Math.round(d.retryInMs / 1000)} s`,
      fields,
    };
  }
  const what = d.wasAuthenticated ? "lost the connection to" : "could not connect to";
  return { code: "W_DISCONNECTED", message: `${what} the gateway (${why}); retrying in ${(d.retryInMs / 1000).toFixed(1)} s`, fields };
}
