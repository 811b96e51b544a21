// The figures of one bench run as a table: each measured figure beside the target of issue #4 it is
// held against, and a verdict per target. Figures without a target are printed for context.
import type { CommandFigures } from "./command-probe.ts";
import type { HeartbeatWrites } from "./fleet-database.ts";
import { GATEWAY_OWN_FILES } from "./gateway-process.ts";
import type { ProcessMemory } from "./gateway-process.ts";

/** What one phase (one replica, or two) measured. */
export interface PhaseFigures {
  replicas: number;
  agents: number;
  /** Agents dialled: all of them unless the gateways' open-files limit leaves too few descriptors. */
  dialled: number;
  /** Authenticated agents the gateways count (/healthz), summed over replicas, after connecting. */
  held: number;
  /** The same at the end of the measurement window. */
  heldAtEnd: number;
  connectFailures: string[];
  connectRatePerSecond: number;
  handshakeP50Ms: number;
  handshakeP99Ms: number;
  /** Gateway CPU time (all replicas) spent while connecting, per authenticated agent. */
  connectCpuMsPerAgent: number;
  /** Gateway CPU time in the window ÷ its length (1 = one core busy), all replicas. */
  windowCpuShare: number;
  /** Per replica: before any agent, and at the end of the window (peak = VmHWM over its life). */
  memoryBefore: ProcessMemory[];
  memoryAfter: ProcessMemory[];
  openFilesLimit: number;
  windowSeconds: number;
  heartbeatIntervalSeconds: number;
  heartbeatFlushMs: number;
  /** What Postgres wrote in the window (the write log). */
  heartbeatWrites: HeartbeatWrites;
  staleAtStart: number;
  staleAtEnd: number;
  commands: CommandFigures;
  commandRatePerSecond: number;
  droppedAfterAuth: number;
  gatewayErrors: number;
}

export const TARGET_AGENTS = 20_000;
export const TARGET_RSS_MIB = 600;
export const TARGET_COMMAND_P99_MS = 50;
/** Written rows may trail the beats received by one flush at either end of the window. */
const HEARTBEAT_TOLERANCE = 0.97;

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const mib = (list: ProcessMemory[], pick: (m: ProcessMemory) => number): string => list.map((m) => `${fixed(pick(m))} MiB`).join(" + ");

export interface Row {
  what: string;
  values: string[];
  target: string;
  verdicts: string[];
}

/** Rows of the table, one column of values and verdicts per phase. */
export function reportRows(phases: PhaseFigures[]): Row[] {
  const verdict = (ok: boolean | undefined, shortBy?: string): string => (ok === undefined ? "" : ok ? "met" : `NOT MET${shortBy ? ` (${shortBy})` : ""}`);
  const row = (what: string, target: string, value: (p: PhaseFigures) => string, check?: (p: PhaseFigures) => string): Row => ({
    what, target, values: phases.map(value), verdicts: phases.map((p) => check?.(p) ?? ""),
  });
  const expectedRate = (p: PhaseFigures): number => p.held / p.heartbeatIntervalSeconds;
  const peak = (p: PhaseFigures): number => Math.max(...p.memoryAfter.map((m) => m.peakMiB));
  const grown = (p: PhaseFigures): number => p.memoryAfter.reduce((s, m, i) => s + m.currentMiB - (p.memoryBefore[i]?.currentMiB ?? 0), 0);
  return [
    row("agents connected and authenticated (gateway /healthz)", `${int(TARGET_AGENTS)} on one process`, (p) => `${int(p.held)} of ${int(p.agents)}${p.dialled < p.agents ? ` (${int(p.dialled)} dialled: open-files limit)` : ""}`, (p) => {
      if (p.agents < TARGET_AGENTS) return "n/a (N below target)";
      if (p.replicas > 1) return verdict(p.held >= p.agents, `${int(p.agents - p.held)} short`);
      return verdict(p.held >= TARGET_AGENTS, `${int(TARGET_AGENTS - p.held)} short`);
    }),
    row("  still connected at the end of the window", "all", (p) => `${int(p.heldAtEnd)} (${int(p.droppedAfterAuth)} dropped)`, (p) => verdict(p.heldAtEnd >= p.held && p.droppedAfterAuth === 0)),
    row("  connect rate achieved", "1,000–2,000/s (bench pacing)", (p) => `${int(p.connectRatePerSecond)}/s`),
    row("  handshake (open → auth.ok) p50 / p99", "—", (p) => `${fixed(p.handshakeP50Ms)} / ${fixed(p.handshakeP99Ms)} ms`),
    row("  gateway CPU per handshake (all replicas)", "—", (p) => `${fixed(p.connectCpuMsPerAgent, 2)} ms`),
    row("  open-files limit of each gateway", `> ${int(TARGET_AGENTS)} + its own`, (p) => int(p.openFilesLimit), (p) => verdict(p.openFilesLimit >= p.agents / p.replicas + GATEWAY_OWN_FILES)),
    row("gateway RSS peak (VmHWM)", `< ${TARGET_RSS_MIB} MiB per process`, (p) => mib(p.memoryAfter, (m) => m.peakMiB), (p) => {
      if (p.agents < TARGET_AGENTS) return "n/a (N below target)";
      return verdict(peak(p) < TARGET_RSS_MIB, `${fixed(peak(p) - TARGET_RSS_MIB)} MiB over`);
    }),
    row("gateway RSS now (VmRSS), end of window", "—", (p) => mib(p.memoryAfter, (m) => m.currentMiB)),
    row("  before any agent", "—", (p) => mib(p.memoryBefore, (m) => m.currentMiB)),
    row("  per held socket (growth ÷ agents)", "—", (p) => `${fixed((grown(p) * 1024) / p.held)} KiB`),
    row(`heartbeat rows written to Postgres per second`, "all agents every interval", (p) => `${fixed(p.heartbeatWrites.rows / p.windowSeconds)}/s (${int(p.heartbeatWrites.rows)} rows in ${int(p.heartbeatWrites.flushes)} flushes over ${p.windowSeconds} s; expected ${fixed(expectedRate(p))}/s)`, (p) => {
      const ratio = p.heartbeatWrites.rows / p.windowSeconds / expectedRate(p);
      return verdict(ratio >= HEARTBEAT_TOLERANCE, `${fixed((1 - ratio) * 100)}% short`);
    }),
    row("  longest wait of a beat in the buffer: p99 flush / max", `≤ flush interval + 1 s`, (p) => `${int(p.heartbeatWrites.p99WaitMs)} / ${int(p.heartbeatWrites.maxWaitMs)} ms (flush every ${int(p.heartbeatFlushMs)} ms)`, (p) => {
      const bound = p.heartbeatFlushMs + 1_000;
      return verdict(p.heartbeatWrites.maxWaitMs <= bound, `${int(p.heartbeatWrites.maxWaitMs - bound)} ms over`);
    }),
    row("  connected VMs with an overdue row: window start / end", "0 (no backlog)", (p) => `${int(p.staleAtStart)} / ${int(p.staleAtEnd)}`, (p) => verdict(p.staleAtEnd === 0, `${int(p.staleAtEnd)} overdue`)),
    row("command round trip (sendCommand → accepted) p50", "—", (p) => `${fixed(p.commands.p50Ms)} ms`),
    row("command round trip p99", `< ${TARGET_COMMAND_P99_MS} ms`, (p) => `${fixed(p.commands.p99Ms)} ms (max ${fixed(p.commands.maxMs)})`, (p) => {
      if (p.agents < TARGET_AGENTS) return "n/a (N below target)";
      return verdict(p.commands.p99Ms < TARGET_COMMAND_P99_MS && p.commands.accepted === p.commands.sent, `${fixed(p.commands.p99Ms - TARGET_COMMAND_P99_MS)} ms over`);
    }),
    row("  commands accepted / sent (rate)", "all", (p) => `${int(p.commands.accepted)} / ${int(p.commands.sent)} (${p.commandRatePerSecond}/s)`, (p) => verdict(p.commands.accepted === p.commands.sent, `${int(p.commands.sent - p.commands.accepted)} failed`)),
    row("gateway CPU in the window (heartbeats, commands, pings)", "—", (p) => `${fixed(p.windowCpuShare * 100)}% of a core`),
    row("gateway log lines at level error", "0", (p) => int(p.gatewayErrors)),
  ];
}

/** One aligned table per phase: figure, value, target, verdict. */
export function formatReport(phases: PhaseFigures[]): string {
  const rows = reportRows(phases);
  return phases.map((phase, i) => {
    const title = `${phase.replicas} gateway replica${phase.replicas > 1 ? "s" : ""}, ${phase.agents.toLocaleString("en-US")} agents`;
    const cells = [["figure", "value", "target", "verdict"], ...rows.map((r) => [r.what, r.values[i] ?? "", r.target, r.verdicts[i] ?? ""])];
    const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((line) => (line[c] ?? "").length)));
    const lines = cells.map((line) => line.map((cell, c) => cell.padEnd(widths[c] as number)).join(" │ ").trimEnd());
    lines.splice(1, 0, widths.map((w) => "─".repeat(w)).join("─┼─"));
    return `${title}\n${lines.join("\n")}`;
  }).join("\n\n");
}
