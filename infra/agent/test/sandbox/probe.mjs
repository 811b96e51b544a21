// Runs inside the agent's sandbox (ExecStart of a copy of nacre-agent.service) and prints one
// `PROBE <what>: ok [value]` or `PROBE <what>: <errno>` line per thing the unit should allow or refuse.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

function probe(what, fn) {
  try {
    const value = fn();
    console.log(`PROBE ${what}: ok${value === undefined ? "" : ` ${value}`}`);
  } catch (error) {
    console.log(`PROBE ${what}: ${error.code ?? error.message}`);
  }
}

const status = fs.readFileSync("/proc/self/status", "utf8");
for (const field of ["CapBnd", "NoNewPrivs", "Seccomp"]) console.log(`PROBE ${field}: ${new RegExp(`^${field}:\\s*(\\S+)`, "m").exec(status)[1]}`);

// What a snapshot and a restore need.
probe("read another user's 0600 file", () => fs.readFileSync("/data/private.txt", "utf8").trim());
probe("write into /data", () => fs.writeFileSync("/data/probe.txt", "x"));
probe("chown to the app user", () => {
  const { uid, gid } = fs.statSync("/data/private.txt");
  fs.chownSync("/data/probe.txt", uid, gid);
});
probe("chmod 0640", () => fs.chmodSync("/data/probe.txt", 0o640));
probe("write the state dir", () => fs.writeFileSync("/var/lib/nacre-agent/probe", "x"));
probe("state dir mode", () => (fs.statSync("/var/lib/nacre-agent").mode & 0o777).toString(8));
probe("read the config", () => fs.readFileSync("/etc/nacre/agent.json").length > 0);
probe("new file mode (UMask)", () => {
  fs.writeFileSync("/var/lib/nacre-agent/umask", "x");
  return (fs.statSync("/var/lib/nacre-agent/umask").mode & 0o777).toString(8);
});

// What it must not do.
probe("chmod 02775 on a directory", () => {
  fs.mkdirSync("/data/shared", { recursive: true });
  fs.chmodSync("/data/shared", 0o2775);
});
probe("chmod 04755 on a file", () => fs.chmodSync("/data/probe.txt", 0o4755));
probe("write the config", () => fs.writeFileSync("/etc/nacre/probe", "x"));
probe("write /usr/local", () => fs.writeFileSync("/usr/local/probe", "x"));
probe("write beside /data", () => fs.mkdirSync("/data.staging"));
probe("bytes of /etc/shadow", () => fs.readFileSync("/etc/shadow").length);
probe("entries in /root", () => fs.readdirSync("/root").length);
probe("raise own priority", () => os.setPriority(-5));

// The app's control commands run inside the sandbox too.
for (const argv of [["systemctl", "stop", "openclaw"], ["systemctl", "is-active", "openclaw"], ["systemctl", "start", "openclaw"], ["runuser", "-u", "openclaw", "--", "true"]]) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
  console.log(`PROBE ${argv.join(" ")}: exit ${r.status} ${`${r.stdout}${r.stderr}`.trim().replace(/\s+/g, " ")}`.trimEnd());
}
