// @nacre/gateway: the WebSocket server agents dial. `startGateway` is the library entry (tests and the
// fleet benchmark start replicas in-process); `main.ts` is the process entry.
export { startGateway } from "./start-gateway.ts";
export type { Gateway, GatewayOptions } from "./start-gateway.ts";
export { AUTH_TIMEOUT_MS, CLOSE_POLICY, CLOSE_REPLACED, CLOSE_RESTART } from "./agent-session.ts";
export { EnrollRequest } from "./enroll-route.ts";
export { GatewayConfig, readGatewayConfig } from "./config.ts";
