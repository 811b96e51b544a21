// A small but realistic OpenClaw install for the demo and the CLI tests: a state dir with config,
// auth profiles, session history and a live WAL-mode SQLite memory index, and a workspace with
// markdown memory and a skill.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface SampleOptions {
  /** The `backup` section written into openclaw.json. */
  backup: Record<string, unknown>;
}

/** Creates `<root>/state` (OPENCLAW_STATE_DIR) and `<root>/workspace`; returns their paths. */
export function makeSampleOpenclaw(root: string, opts: SampleOptions): { stateDir: string; workspace: string; configPath: string } {
  const stateDir = join(root, "state");
  const workspace = join(root, "workspace");
  const file = (path: string, text: string) => {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
  };

  const configPath = join(stateDir, "openclaw.json");
  file(configPath, `// OpenClaw config (JSON5)\n${JSON.stringify({ agents: { defaults: { workspace } }, backup: opts.backup }, null, 2)}\n`);
  file(join(stateDir, "agents/main/agent/auth-profiles.json"), JSON.stringify({ profiles: { default: { provider: "anthropic" } } }, null, 2));
  for (let s = 0; s < 3; s++) {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ ts: 1_763_700_000 + s * 1000 + i, role: i % 2 ? "assistant" : "user", content: `message ${i} of session ${s}: remember the dentist on Tuesday` }));
    file(join(stateDir, `agents/main/sessions/session-${s}.jsonl`), `${lines.join("\n")}\n`);
  }
  mkdirSync(join(stateDir, "memory"), { recursive: true });
  const db = new DatabaseSync(join(stateDir, "memory/main.sqlite"));
  db.exec("pragma journal_mode=wal; create table if not exists chunks(id integer primary key, doc text, body text)");
  const insert = db.prepare("insert into chunks(doc, body) values (?, ?)");
  for (let i = 0; i < 200; i++) insert.run(`memory/2026-11-${String((i % 20) + 1).padStart(2, "0")}.md`, `chunk ${i}: the user prefers short answers`);
  db.close();

  file(join(workspace, "MEMORY.md"), "# Memory\n\n- Prefers short answers\n- Dentist on Tuesdays\n");
  file(join(workspace, "SOUL.md"), "# Soul\n\nHelpful, brief, kind.\n");
  file(join(workspace, "memory/2026-11-20.md"), "Talked about the trip to Lisbon. Booked the flight.\n");
  file(join(workspace, "memory/2026-11-21.md"), "Reminder set: call mum on Sunday. Notes: café, naïve, 日本語 are fine.\n");
  file(join(workspace, "skills/weather/SKILL.md"), "# Weather\n\nLooks up the forecast.\n");
  return { stateDir, workspace, configPath };
}
