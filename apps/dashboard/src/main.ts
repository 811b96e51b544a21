// The dashboard's process entry (`pnpm --filter @nacre/dashboard start`, and the local stack): the
// production Next.js server of the built app on one HTTP listener. Before it reports ready it asks its
// own /api/health, which validates the environment inside the built app (where the build profile is
// known) and reaches Postgres and Redis: a wrong variable stops the process with its E_CONFIG error
// instead of a 500 on the first request. Prints one JSON ready line with the URL, as the other apps do.
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env["PORT"] ?? 3000);
const hostname = process.env["HOSTNAME"] ?? "127.0.0.1";

const app = next({ dev: false, dir: appDir, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();
const server = createServer((request, response) => void handle(request, response));
await new Promise<void>((listening) => server.listen(port, hostname, listening));
const address = server.address();
const actual = typeof address === "object" && address ? address.port : port;
const url = `http://${hostname}:${actual}`;
const health = await fetch(`${url}/api/health`).then(async (r) => ({ ok: r.ok, body: await r.text() }), (error: Error) => ({ ok: false, body: error.message }));
if (!health.ok) {
  let message = health.body;
  try {
    message = (JSON.parse(health.body) as { error: { message: string } }).error.message;
  } catch { /* not our JSON */ }
  console.error(`the dashboard is not healthy: ${message}`);
  process.exit(2);
}
console.log(JSON.stringify({ ready: true, url, port: actual }));

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
