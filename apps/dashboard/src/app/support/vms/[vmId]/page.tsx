import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { describeFailure } from "@nacre/core";
import { requireSupport } from "@/server/auth/current-user.ts";
import { auditLog, vmDetail } from "@/server/queries/support-views.ts";
import { agentOnline } from "@/server/queries/vm-status.ts";
import { AgentPill } from "@/components/agent-pill.tsx";
import { AuditTable } from "@/components/audit-table.tsx";
import { BackupBanners } from "@/components/backup-banners.tsx";
import { ExportsTable } from "@/components/exports-table.tsx";
import { RestorePanel } from "@/components/restore-panel.tsx";
import { SnapshotsTable } from "@/components/snapshots-table.tsx";
import { formatBytes, formatUtc, KIND_NAMES, REGION_NAMES, relativeTime } from "@/lib/format.ts";

export const metadata: Metadata = { title: "Server" };

export default async function SupportVmPage({ params }: { params: Promise<{ vmId: string }> }) {
  const user = await requireSupport();
  const { vmId } = await params;
  const detail = await vmDetail(user.session, vmId);
  if (!detail) notFound();
  const { vm, snapshots, nights, exports, restores } = detail;
  const audit = await auditLog(user.session, { vmId, limit: 40 });
  const now = new Date();
  const inFlight = restores.find((r) => r.status === "requested" || r.status === "running");
  return (
    <>
      <p className="muted" style={{ margin: "0 0 6px" }}>
        <Link href="/support">← Support console</Link> · <Link href={`/support/customers/${vm.customerId}`}>{vm.customerEmail}</Link>
      </p>
      <h1 style={{ wordBreak: "break-all" }}>{vm.hostname}</h1>
      <p className="lede row"><AgentPill online={agentOnline(vm, now)} enrolled={vm.agentEnrolledAt !== null} /><span>{REGION_NAMES[vm.region]} ({vm.region})</span><span>status {vm.status}</span></p>
      <BackupBanners vm={vm} now={now} nights={nights} />

      <h2>Heartbeat</h2>
      <div className="card" data-testid="heartbeat">
        <dl className="facts">
          <dt>Last heartbeat</dt><dd>{vm.lastHeartbeatAt ? `${formatUtc(vm.lastHeartbeatAt)} (${relativeTime(vm.lastHeartbeatAt, now)})` : "never"}</dd>
          <dt>Agent version</dt><dd>{vm.agentVersion ?? "—"}</dd>
          <dt>App status</dt><dd>{vm.appStatus}</dd>
          <dt>Disk free</dt><dd>{vm.diskFreeBytes === null ? "—" : formatBytes(vm.diskFreeBytes)}</dd>
          <dt>Last success</dt><dd>{vm.lastBackupSucceededAt ? formatUtc(vm.lastBackupSucceededAt) : "never"}</dd>
          <dt>Last error</dt><dd>{vm.lastBackupError ?? "—"}</dd>
          <dt>Enrolled</dt><dd>{vm.agentEnrolledAt ? formatUtc(vm.agentEnrolledAt) : "not enrolled"}</dd>
        </dl>
      </div>

      <h2>Restore</h2>
      <RestorePanel
        vmId={vm.id}
        hostname={vm.hostname}
        snapshots={snapshots.map((s) => ({ id: s.id, label: `${formatUtc(s.createdAt)} — ${KIND_NAMES[s.kind]}, ${formatBytes(s.sizeBytes)}` }))}
        inFlightId={inFlight?.id ?? null}
      />
      {restores.length > 0 && (
        <div className="table-wrap" style={{ marginTop: 12 }}>
          <table data-testid="restores-table">
            <thead><tr><th>Started (UTC)</th><th>Status</th><th>Last step</th><th>Error</th></tr></thead>
            <tbody>
              {restores.map((r) => (
                <tr key={r.id}>
                  <td>{formatUtc(r.createdAt)}</td>
                  <td className={r.status === "succeeded" ? "status-ok" : r.status === "failed" || r.status === "rolled-back" ? "status-bad" : ""}>{r.status}</td>
                  <td>{r.step ?? "—"}</td>
                  <td>{r.error ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Snapshots</h2>
      <SnapshotsTable snapshots={snapshots} linkTo="none" />

      <h2>Nights</h2>
      <div className="table-wrap">
        <table data-testid="nights-table">
          <thead><tr><th>Night (UTC)</th><th>Status</th><th>Attempts</th><th>Last error</th></tr></thead>
          <tbody>
            {nights.length === 0 && <tr><td colSpan={4} className="empty">No nights recorded yet.</td></tr>}
            {nights.map((n) => (
              <tr key={n.night}>
                <td>{n.night}</td>
                <td className={n.status === "succeeded" ? "status-ok" : n.status === "failed" ? "status-bad" : ""}>{n.status}</td>
                <td className="num">{n.attempts}</td>
                <td>{n.lastErrorCode ? <><code>{n.lastErrorCode}</code> — {n.lastError ?? describeFailure(n.lastErrorCode)}</> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Exports</h2>
      {exports.length === 0 ? <div className="table-wrap"><p className="empty">No exports.</p></div> : <ExportsTable exports={exports} />}

      <h2>Audit log</h2>
      <AuditTable entries={audit} />
    </>
  );
}
