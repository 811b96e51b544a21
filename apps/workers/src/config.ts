// The workers' configuration, from the environment, validated in one place with messages that name
// the variable. Defaults suit production timing; the local stack and tests shorten them.
import { ControlPlaneEnv, readEnvConfig } from "@nacre/fleet";
import * as z from "zod";

const ms = z.coerce.number().int().min(100);

export const WorkersConfig = ControlPlaneEnv.extend({
  RESEND_API_KEY: z.string().min(1),
  /** The local email recorder in development; Resend's own API when unset. */
  RESEND_BASE_URL: z.string().url().optional(),
  /** "Nacre Backups <backups@example.com>" */
  NACRE_EMAIL_FROM: z.string().min(3),
  /** Redis key prefix of the queues. */
  NACRE_JOBS_PREFIX: z.string().min(1).default("nacre:jobs"),
  /** Between attempts of one night: 1 hour, six retries. */
  NACRE_NIGHTLY_RETRY_DELAY_MS: ms.default(60 * 60 * 1000),
  /** The fleet's start times are spread over this window after the fan-out (0 = all at once). */
  NACRE_NIGHTLY_SPREAD_MS: z.coerce.number().int().min(0).default(15 * 60 * 1000),
  NACRE_NIGHTLY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /** How long an agent has to accept snapshot.start (resent every NACRE_AGENT_RESEND_MS meanwhile). */
  NACRE_AGENT_ACCEPT_TIMEOUT_MS: ms.default(60_000),
  NACRE_AGENT_RESEND_MS: ms.default(5_000),
  /** How long one snapshot may take once accepted before the attempt is abandoned (upload aborted). */
  NACRE_SNAPSHOT_TIMEOUT_MS: ms.default(60 * 60 * 1000),
  /** Between attempts of a deleted VM's final backup (7 attempts), for the jobs this process queues. */
  NACRE_FINAL_BACKUP_RETRY_DELAY_MS: ms.default(60 * 60 * 1000),
  /** GET /metrics and GET /queues on 127.0.0.1 at this port (0 picks a free one). */
  NACRE_OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
});
export type WorkersConfig = z.infer<typeof WorkersConfig>;

/** Parses the environment; throws one error listing every problem by variable name. */
export function readWorkersConfig(env: NodeJS.ProcessEnv): WorkersConfig {
  return readEnvConfig(WorkersConfig, env, "workers");
}
