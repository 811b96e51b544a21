import type { Metadata } from "next";
import Link from "next/link";
import { requireCustomer } from "@/server/auth/current-user.ts";
import { listMyVms } from "@/server/queries/customer-views.ts";
import { agentOnline, nextBackupAt } from "@/server/queries/vm-status.ts";
import { services } from "@/server/services.ts";
import { AgentPill } from "@/components/agent-pill.tsx";
import { BackupBanners } from "@/components/backup-banners.tsx";
import { formatUtc, REGION_NAMES, relativeTime } from "@/lib/format.ts";

export const metadata: Metadata = { title: "Your servers" };
export const dynamic = "force-dynamic";

export default async function OverviewPage() {
  const user = await requireCustomer();
  const vms = await listMyVms(user.session);
  const now = new Date();
  const spreadMs = services().config.NACRE_NIGHTLY_SPREAD_MS;
  return (
    <>
      <h1>Your servers</h1>
      <p className="lede">Every server is backed up each night from 03:00 UTC, encrypted on the server before it leaves.</p>
      {vms.length === 0 && <div className="card empty">You have no servers yet. Backups start the first night after a server is created.</div>}
      <div className="grid">
        {vms.map((vm) => {
          const next = nextBackupAt(vm, now, spreadMs);
          return (
            <section key={vm.id} className="card vm-card" data-vm={vm.id}>
              <h3><Link href={`/vms/${vm.id}`}>{vm.hostname}</Link></h3>
              <AgentPill online={agentOnline(vm, now)} enrolled={vm.agentEnrolledAt !== null} />
              <p style={{ margin: "10px 0 0", fontWeight: 600 }} data-testid="last-backup">
                {vm.lastBackupSucceededAt
                  ? <span title={formatUtc(vm.lastBackupSucceededAt)}>Last backup: {relativeTime(vm.lastBackupSucceededAt, now)}</span>
                  : "No backup yet"}
              </p>
              <dl className="facts">
                <dt>Region</dt><dd>{REGION_NAMES[vm.region]} ({vm.region})</dd>
                <dt>Next backup</dt>
                <dd>{next ? <span title={formatUtc(next)}>{formatUtc(next)} ({relativeTime(next, now)})</span> : vm.status === "deleting" ? "Server is being deleted" : "—"}</dd>
              </dl>
              <div style={{ marginTop: 10 }}><BackupBanners vm={vm} now={now} compact /></div>
              <p style={{ margin: "10px 0 0" }}><Link href={`/vms/${vm.id}`}>Backups and export →</Link></p>
            </section>
          );
        })}
      </div>
    </>
  );
}
