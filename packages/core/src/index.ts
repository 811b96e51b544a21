// @nacre/core: pure domain rules. No I/O, no process.env, no clock: time always arrives as a parameter,
// so every rule here is testable with plain values and behaves the same on the VM, the server and in CI.

export { planRetention } from "./retention/plan-retention.ts";
export type { PlanRetentionInput, RetentionBackup, RetentionPlan } from "./retention/plan-retention.ts";
// The hosted product's retention (docs/retention.md): 7 daily + 4 weekly + 3 monthly nightly snapshots,
// and fixed holds for the other kinds.
export { GFS_SLOTS, planGfsRetention } from "./retention/plan-gfs-retention.ts";
export type { GfsPlan, GfsReason, GfsSnapshot } from "./retention/plan-gfs-retention.ts";
export { expiredHolds, HOLD_DAYS, holdUntil } from "./retention/snapshot-holds.ts";
export type { HeldKind, HeldSnapshot } from "./retention/snapshot-holds.ts";

export { isDue } from "./schedule/is-due.ts";
export type { IsDueInput } from "./schedule/is-due.ts";
export { isTimeZone } from "./schedule/is-time-zone.ts";
export { nextRun } from "./schedule/next-run.ts";
export type { NextRunInput } from "./schedule/next-run.ts";
export { parseSchedule } from "./schedule/parse-schedule.ts";
export type { ParseScheduleOptions } from "./schedule/parse-schedule.ts";
export { MAX_INTERVAL_MS, MIN_SCHEDULE_GAP_MS, SCHEDULE_FORMS, ScheduleError } from "./schedule/schedule.ts";
export type { Schedule } from "./schedule/schedule.ts";

// Key hierarchy primitives (docs/keys.md): data keys (generate, AES-KW wrap/unwrap under K_cust), and
// moving a data key from the control plane to one agent, sealed and under a signed grant.
export { DATA_KEY_LENGTH, generateDataKey, unwrapDataKey, WRAPPED_KEY_LENGTH, wrapDataKey } from "./keys/data-key.ts";
export { isKeyError, KeyError } from "./keys/key-error.ts";
export type { KeyErrorCode } from "./keys/key-error.ts";
export {
  exportPrivateKey,
  exportPublicKey,
  generateSealingKeyPair,
  generateSigningKeyPair,
  importPrivateKey,
  importPublicKey,
  PUBLIC_KEY_LENGTH,
} from "./keys/key-pairs.ts";
export type { KeyAlgorithm, KeyPair } from "./keys/key-pairs.ts";
export { MAX_SEAL_CONTEXT_BYTES, openSealed, SEAL_OVERHEAD, SEAL_VERSION, sealToAgent } from "./keys/sealed-box.ts";
export { GRANT_VERSION, MAX_GRANT_ID_BYTES, SEALED_DATA_KEY_LENGTH } from "./keys/grant.ts";
export type { GrantPurpose, KeyGrant } from "./keys/grant.ts";
export { signGrant } from "./keys/sign-grant.ts";
export { MAX_GRANT_TOKEN_LENGTH, verifyGrant } from "./keys/verify-grant.ts";
export type { VerifyGrantOptions } from "./keys/verify-grant.ts";
export { issueGrant } from "./keys/issue-grant.ts";
export type { IssueGrantInput } from "./keys/issue-grant.ts";
export { openGrant } from "./keys/open-grant.ts";
export type { OpenedGrant, OpenGrantOptions } from "./keys/open-grant.ts";

// What a customer reads about a failed backup night (the dashboard's banner and the alert email).
export { describeFailure, FAILURE_WORDS, failureKind } from "./lifecycle/describe-failure.ts";
export type { FailureKind } from "./lifecycle/describe-failure.ts";
