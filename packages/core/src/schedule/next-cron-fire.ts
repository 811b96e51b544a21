import { CronExpressionParser } from "cron-parser";

// The single place cron-parser is called, so its quirks stay in one file:
// - next() is strictly after `currentDate`, which is the contract next-run.ts documents;
// - strict mode is off because it rejects the common "0 3 1 * 1"-style mixes only as a style rule.

/** The first fire time of a 5-field cron `expression` in `timezone` strictly after `after`. */
export function nextCronFire(expression: string, timezone: string, after: Date): Date {
  const cron = CronExpressionParser.parse(expression, { currentDate: after, tz: timezone, strict: false });
  return cron.next().toDate();
}

/** The first `count` fire times strictly after `after`, oldest first. */
export function nextCronFires(expression: string, timezone: string, after: Date, count: number): Date[] {
  const cron = CronExpressionParser.parse(expression, { currentDate: after, tz: timezone, strict: false });
  return cron.take(count).map((fire) => fire.toDate());
}
