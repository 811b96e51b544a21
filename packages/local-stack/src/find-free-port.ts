// A free port on 127.0.0.1, for a server that must not take the well-known port because something
// else (not the server we expected) holds it. The port is released before the server binds it, so
// another process could take it in between; the server's start then fails and says so.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";

/** Asks the kernel for an unused port on 127.0.0.1. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
