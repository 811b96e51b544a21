// customer.purge: day 90 after cancellation. purgeCustomer (@nacre/fleet) refuses unless the customer
// is still cancelled and due, and is resumable: a run that throws (an object store error, a crash,
// objects still listed) is retried by BullMQ and finishes what the last run left. The payload only
// names the customer; the plan, the dates and the objects are read from the database and the buckets.
import { purgeCustomer } from "@nacre/fleet";
import type { PurgeOutcome } from "@nacre/fleet";
import { CustomerPurgePayload } from "@nacre/jobs";
import type { HandlerContext } from "../worker-deps.ts";

export async function handle(payload: unknown, ctx: HandlerContext): Promise<PurgeOutcome> {
  const { customerId } = CustomerPurgePayload.parse(payload);
  const outcome = await purgeCustomer(ctx.cp, customerId.toLowerCase());
  ctx.log({ level: outcome.outcome === "purged" ? "info" : "warn", message: `purge ${outcome.outcome}`, jobId: ctx.job.id, customerId, ...outcome });
  return outcome;
}
