// @nacre/protocol: wire messages between agents and the gateway. A leaf: zod is its only dependency.
