// The unit's sandbox under a real systemd: boots this machine's filesystem as a throwaway container
// (sandbox/boot.sh), installs with install.sh (fake bundle, real systemctl), and probes from inside the
// sandbox what it allows and refuses. Opt-in (NACRE_SANDBOX_CHECK=1): it needs root, systemd-nspawn
// (Debian: systemd-container) and overlayfs, and takes about ten seconds.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AGENT_DIR, have } from "./install-harness.ts";

const why =
  process.env.NACRE_SANDBOX_CHECK !== "1" ? "set NACRE_SANDBOX_CHECK=1 to run it"
  : process.getuid?.() !== 0 ? "needs root"
  : !have("systemd-nspawn") ? "needs systemd-nspawn (apt-get install systemd-container)"
  : "";

describe.skipIf(why !== "")(`the unit's sandbox under systemd${why && ` — skipped: ${why}`}`, () => {
  it("lets the agent read and restore /data and stop the app, and nothing more", () => {
    const out = mkdtempSync(join(tmpdir(), "nacre-sandbox-"));
    for (const file of ["boot.sh", "inside.sh", "probe.mjs", "fake-agent.mjs"]) cpSync(join(AGENT_DIR, "test/sandbox", file), join(out, file));
    mkdirSync(join(out, "agent"));
    for (const file of ["install.sh", "nacre-agent.service"]) cpSync(join(AGENT_DIR, file), join(out, "agent", file));
    writeFileSync(join(out, "node-path"), process.execPath);
    const scratch = mkdtempSync(join(tmpdir(), "nacre-sandbox-root-"));
    const boot = spawnSync("unshare", ["-m", "--propagation", "private", "bash", join(out, "boot.sh"), out, scratch], { encoding: "utf8", timeout: 240_000 });
    rmSync(scratch, { recursive: true, force: true });
    const log = existsSync(join(out, "inside.log")) ? readFileSync(join(out, "inside.log"), "utf8") : "(no inside.log: the container did not run it)";
    const lines = (prefix: string) => Object.fromEntries([...log.matchAll(new RegExp(`^${prefix} (.+?)[=:] ?(.*)$`, "gm"))].map((m) => [m[1], m[2]]));
    const result = lines("RESULT");
    const probe = lines("PROBE");
    // On a failure `out` stays behind with inside.log.
    expect(result.done, `${out}\n${boot.stderr}\n${log}`).toBe("1");

    // The installer, with a real systemd.
    expect(result).toMatchObject({ install: "0", active: "active", enabled: "enabled", rerun_active: "active" });
    expect(log).toContain("identity: already enrolled");
    expect(log).toContain("service: restarted with the new bundle");
    expect(log).toContain("service: left running (--no-start)");
    expect(result).toMatchObject({ uninstall_active: "inactive", uninstall_identity: "kept", purge_identity: "gone", unenrolled_enabled: "disabled" });
    expect(log).toContain("service: not started until the VM is enrolled");

    // Privileges: CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID (bits 0-4); no new ones; seccomp on.
    expect(result).toMatchObject({ capbnd: "000000000000001f", nonewprivs: "1", seccomp: "2", nice: "10", ionice: "best-effort:prio7" });
    expect(probe).toMatchObject({ CapBnd: "000000000000001f", NoNewPrivs: "1", Seccomp: "2" });

    // Allowed: what snapshots and restores need.
    expect(probe).toMatchObject({
      "read another user's 0600 file": "ok only openclaw may read this",
      "write into /data": "ok",
      "chown to the app user": "ok",
      "chmod 0640": "ok",
      "write the state dir": "ok",
      "state dir mode": "ok 700",
      "read the config": "ok true",
      "new file mode (UMask)": "ok 600",
      "systemctl stop openclaw": "exit 0",
      "systemctl is-active openclaw": "exit 3 inactive",
      "systemctl start openclaw": "exit 0",
    });
    // Refused: setuid/setgid bits, the OS and the config, beside /data, secrets, priority, switching users.
    expect(probe).toMatchObject({
      "chmod 02775 on a directory": "EPERM",
      "chmod 04755 on a file": "EPERM",
      "write the config": "EROFS",
      "write /usr/local": "EROFS",
      "write beside /data": "EROFS",
      "bytes of /etc/shadow": "ok 0",
      "entries in /root": "ok 0",
    });
    expect(probe["raise own priority"]).not.toBe("ok");
    expect(probe["runuser -u openclaw -- true"]).toMatch(/^exit 1 .*Operation not permitted/);
    // V8 cannot start under MemoryDenyWriteExecute=yes.
    expect(result.mdwe).toBe("signal");
    rmSync(out, { recursive: true, force: true });
  });
});
