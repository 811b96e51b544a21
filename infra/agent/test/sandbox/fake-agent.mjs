// Stands in for the agent bundle inside the sandbox check: the installer's --version probe, enroll (writes
// an identity where the real one would), and run (stays up like the daemon).
import { writeFileSync } from "node:fs";

const command = process.argv[2];
if (command === "--version") console.log("nacre-agent 0.0.0-sandbox");
else if (command === "enroll") {
  writeFileSync("/var/lib/nacre-agent/identity.json", '{"v":1}\n', { mode: 0o600 });
  console.log("enrolled (fake)");
} else if (command === "run") {
  console.log("fake agent running");
  setInterval(() => {}, 1 << 30);
} else process.exitCode = 2;
