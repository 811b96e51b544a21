// @nacre/workers: BullMQ workers for the lifecycle jobs.
