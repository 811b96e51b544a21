import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireSupport } from "@/server/auth/current-user.ts";
import { auditLog, customerDetail } from "@/server/queries/support-views.ts";
import type { InitialRestoreWish } from "@/server/queries/support-views.ts";
import { agentOnline } from "@/server/queries/vm-status.ts";
import { AgentPill } from "@/components/agent-pill.tsx";
import { AuditTable } from "@/components/audit-table.tsx";
import { formatUtc, REGION_NAMES, relativeTime } from "@/lib/format.ts";

export const metadata: Metadata = { title: "Customer" };

// A resubscribed customer is owed their last snapshot on their fresh VM (workers' vm.initial-restore).
function InitialRestore({ wish }: { wish: InitialRestoreWish }) {
  // Shown while the wish is open (pending or given up); a fulfilled wish is cleared from the row.
  return (
    <div className={`banner ${wish.failedAt ? "bad" : "warn"}`} style={{ marginTop: 16 }} data-testid="initial-restore">
      <strong>Restore onto a fresh server (resubscribed {formatUtc(wish.requestedAt)})</strong>
      <p>
        Snapshot <code>{wish.snapshotId ?? "—"}</code>
        {wish.vmId ? <> onto <Link href={`/support/vms/${wish.vmId}`}>the new server</Link></> : " — waiting for the new server's agent to enroll"}.
      </p>
      {wish.failedAt && <p>Given up {formatUtc(wish.failedAt)}: {wish.error ?? "no reason recorded"}. Follow docs/runbooks/restore.md.</p>}
    </div>
  );
}

export default async function SupportCustomerPage({ params }: { params: Promise<{ customerId: string }> }) {
  const user = await requireSupport();
  const { customerId } = await params;
  const detail = await customerDetail(user.session, customerId);
  if (!detail) notFound();
  const { customer, vms } = detail;
  const audit = await auditLog(user.session, { customerId, limit: 30 });
  const now = new Date();
  return (
    <>
      <p className="muted" style={{ margin: "0 0 6px" }}><Link href="/support">← Support console</Link></p>
      <h1>{customer.email}</h1>
      <div className="card">
        <dl className="facts">
          <dt>Customer id</dt><dd><code>{customer.id}</code></dd>
          <dt>Plan</dt><dd>{customer.planState}{customer.purgeAt && ` — purge due ${formatUtc(customer.purgeAt)}`}</dd>
          <dt>Customer since</dt><dd>{formatUtc(customer.createdAt)}</dd>
        </dl>
      </div>
      {customer.initialRestore && <InitialRestore wish={customer.initialRestore} />}
      <h2>Servers</h2>
      <div className="table-wrap">
        <table>
          <thead><tr><th>Hostname</th><th>Region</th><th>Status</th><th>Agent</th><th>Last backup</th></tr></thead>
          <tbody>
            {vms.length === 0 && <tr><td colSpan={5} className="empty">No servers.</td></tr>}
            {vms.map((vm) => (
              <tr key={vm.id}>
                <td><Link href={`/support/vms/${vm.id}`}>{vm.hostname}</Link></td>
                <td>{REGION_NAMES[vm.region]} ({vm.region})</td>
                <td>{vm.status}</td>
                <td><AgentPill online={agentOnline(vm, now)} enrolled={vm.agentEnrolledAt !== null} /></td>
                <td>{vm.lastBackupSucceededAt ? relativeTime(vm.lastBackupSucceededAt, now) : "never"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Audit log</h2>
      <AuditTable entries={audit} />
    </>
  );
}
