// @nacre/core: pure domain rules. No I/O, no process.env, no clock: time always arrives as a parameter,
// so every rule here is testable with plain values and behaves the same on the VM, the server and in CI.

export { planRetention } from "./retention/plan-retention.ts";
export type { PlanRetentionInput, RetentionBackup, RetentionPlan } from "./retention/plan-retention.ts";

export { isDue } from "./schedule/is-due.ts";
export type { IsDueInput } from "./schedule/is-due.ts";
export { isTimeZone } from "./schedule/is-time-zone.ts";
export { nextRun } from "./schedule/next-run.ts";
export type { NextRunInput } from "./schedule/next-run.ts";
export { parseSchedule } from "./schedule/parse-schedule.ts";
export type { ParseScheduleOptions } from "./schedule/parse-schedule.ts";
export { MAX_INTERVAL_MS, MIN_SCHEDULE_GAP_MS, SCHEDULE_FORMS, ScheduleError } from "./schedule/schedule.ts";
export type { Schedule } from "./schedule/schedule.ts";
