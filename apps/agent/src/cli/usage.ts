/** The help text, one place, kept in step with docs/cli.md. */
export const USAGE = `nacre-agent — encrypted backups of OpenClaw's state and workspace

Usage:
  nacre-agent backup now [--force]            back up now (without --force: only when the schedule is due)
  nacre-agent backup list [--json]            list backups: Key, Size, Created
  nacre-agent backup status [--json]          enabled, schedule, last/next backup, health, storage, retention, encryption
  nacre-agent backup restore <key> [--target DIR] [--keep-outside-links]
                                              verify, stage, then swap in (old data kept as <dir>.pre-restore-<time>)
  nacre-agent backup verify <key>             download and check every chunk; writes nothing
  nacre-agent backup daemon                   run backups on the configured schedule
  nacre-agent decrypt <file> [-o out.tar]     turn a downloaded/exported backup into a plain tar
        [--passphrase-env VAR | --key-file FILE | --customer-key-file FILE]

Managed mode (a Nacre VM; docs/agent-daemon.md):
  nacre-agent enroll --token T [--gateway URL] [--force]
                                              generate this VM's keys and enroll it with the control plane
  nacre-agent run                             the daemon: dial the gateway, heartbeat, run snapshots
  nacre-agent wait-ready [--timeout 30m]      wait until a fresh VM's initial restore is done or not needed
                                              (the app's ExecStartPre; docs/agent-install.md)
  --agent-config FILE  agent config (default: $NACRE_AGENT_CONFIG, else /etc/nacre/agent.json)

Options:
  -c, --config FILE   openclaw.json to read (default: $OPENCLAW_STATE_DIR/openclaw.json, else ~/.openclaw/openclaw.json)
  --json              machine-readable output on stdout
  -h, --help          this help;  --version  the agent's version

Exit codes: 0 ok · 2 usage · 3 config · 4 storage · 5 backup damaged or wrong key · 6 local files
            unreadable/unwritable · 7 another run in progress · 8 restore refused · 9 enrollment refused
            10 gateway unreachable · 11 not ready in time (wait-ready) · 130 interrupted · 1 internal
Docs: docs/cli.md, docs/configuration.md, docs/format.md, docs/agent-daemon.md`;
