import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireCustomer } from "@/server/auth/current-user.ts";
import { vmBackups } from "@/server/queries/customer-views.ts";
import { agentOnline, nextBackupAt } from "@/server/queries/vm-status.ts";
import { services } from "@/server/services.ts";
import { AgentPill } from "@/components/agent-pill.tsx";
import { BackupBanners } from "@/components/backup-banners.tsx";
import { ExportNow } from "@/components/export-now.tsx";
import { ExportsTable } from "@/components/exports-table.tsx";
import { SnapshotsTable } from "@/components/snapshots-table.tsx";
import { formatUtc, REGION_NAMES, relativeTime } from "@/lib/format.ts";

export const metadata: Metadata = { title: "Backups" };
export const dynamic = "force-dynamic";

export default async function VmBackupsPage({ params }: { params: Promise<{ vmId: string }> }) {
  const user = await requireCustomer();
  const { vmId } = await params;
  const page = await vmBackups(user.session, vmId);
  if (!page) notFound();
  const { vm, snapshots, nights, exports } = page;
  const now = new Date();
  const next = nextBackupAt(vm, now, services().config.NACRE_NIGHTLY_SPREAD_MS);
  const inFlight = exports.find((e) => e.status === "queued" || e.status === "running");
  return (
    <>
      <p className="muted" style={{ margin: "0 0 6px" }}><Link href="/">← Your servers</Link></p>
      <h1 style={{ wordBreak: "break-all" }}>{vm.hostname}</h1>
      <p className="lede row">
        <AgentPill online={agentOnline(vm, now)} enrolled={vm.agentEnrolledAt !== null} />
        <span>{REGION_NAMES[vm.region]} ({vm.region})</span>
        <span>{vm.lastBackupSucceededAt ? `Last backup: ${relativeTime(vm.lastBackupSucceededAt, now)}` : "No backup yet"}</span>
        {next && <span title={formatUtc(next)}>Next: {formatUtc(next)}</span>}
      </p>
      <BackupBanners vm={vm} now={now} nights={nights} />

      <h2>Export now</h2>
      <div className="card">
        <p style={{ marginTop: 0 }}>
          Takes a fresh encrypted backup of this server and emails you a download link valid 24 hours. Open the file
          with <Link href="/decrypt">Decrypt locally</Link> in this browser, or offline with the <code>nacre-agent</code> CLI.
        </p>
        <ExportNow vmId={vm.id} disabled={vm.status !== "active"} inFlightId={inFlight?.id ?? null} />
      </div>

      <h2>Snapshots</h2>
      <p className="muted" style={{ marginTop: -4 }}>
        The last 14, newest first. Size is the stored file (compressed and encrypted); the SHA-256 is of that file, so you can check a download.
      </p>
      <SnapshotsTable snapshots={snapshots} />

      {exports.length > 0 && (
        <>
          <h2>Recent exports</h2>
          <ExportsTable exports={exports} />
        </>
      )}
    </>
  );
}
