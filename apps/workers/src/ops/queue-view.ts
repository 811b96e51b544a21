// The support team's view of the queues (GET /queues): counts per state, and the last failed jobs
// with their reasons. Payloads carry ids only, but the view still copies just the fields it knows
// (ids and nights), so a future payload field never leaks through it unreviewed.
import type { Queue } from "bullmq";

const SHOWN_FIELDS = ["vmId", "night", "exportId", "customerId"] as const;

export interface QueueView {
  name: string;
  counts: Record<string, number>;
  failed: {
    id: string | undefined;
    name: string;
    data: Record<string, unknown>;
    failedReason: string;
    attemptsMade: number;
    failedAt: string | undefined;
  }[];
}

/** Each queue's counts and its `lastFailed` most recent failed jobs. */
export async function queueView(queues: Queue[], lastFailed: number): Promise<QueueView[]> {
  return Promise.all(queues.map(async (queue) => {
    const counts = await queue.getJobCounts("waiting", "delayed", "active", "completed", "failed", "paused", "prioritized");
    const failed = lastFailed > 0 ? await queue.getJobs(["failed"], 0, lastFailed - 1) : [];
    return {
      name: queue.name,
      counts,
      failed: failed.filter((job) => job !== undefined).map((job) => ({
        id: job.id,
        name: job.name,
        data: Object.fromEntries(SHOWN_FIELDS.filter((f) => f in (job.data ?? {})).map((f) => [f, (job.data as Record<string, unknown>)[f]])),
        failedReason: job.failedReason,
        attemptsMade: job.attemptsMade,
        failedAt: job.finishedOn === undefined ? undefined : new Date(job.finishedOn).toISOString(),
      })),
    };
  }));
}
