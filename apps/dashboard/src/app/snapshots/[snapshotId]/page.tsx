import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireCustomer } from "@/server/auth/current-user.ts";
import { mySnapshot } from "@/server/queries/customer-views.ts";
import { CopyButton } from "@/components/copy-button.tsx";
import { formatBytes, formatUtc, KIND_NAMES, REGION_NAMES } from "@/lib/format.ts";

export const metadata: Metadata = { title: "Snapshot" };

export default async function SnapshotPage({ params }: { params: Promise<{ snapshotId: string }> }) {
  const user = await requireCustomer();
  const snapshot = await mySnapshot(user.session, (await params).snapshotId);
  if (!snapshot) notFound();
  return (
    <>
      <p className="muted" style={{ margin: "0 0 6px" }}><Link href={`/vms/${snapshot.vmId}`}>← {snapshot.hostname}</Link></p>
      <h1>{KIND_NAMES[snapshot.kind]} snapshot of {formatUtc(snapshot.createdAt)}</h1>
      <div className="card">
        <dl className="facts">
          <dt>Server</dt><dd>{snapshot.hostname}</dd>
          <dt>Taken</dt><dd>{formatUtc(snapshot.createdAt)}</dd>
          <dt>Size</dt><dd data-bytes={snapshot.sizeBytes}>{formatBytes(snapshot.sizeBytes)} ({snapshot.sizeBytes.toLocaleString("en-US")} bytes, compressed and encrypted)</dd>
          <dt>SHA-256</dt><dd><span className="sha"><code className="mono">{snapshot.sha256}</code><CopyButton text={snapshot.sha256} label="Copy SHA-256" /></span></dd>
          <dt>Region</dt><dd>{REGION_NAMES[snapshot.region]} ({snapshot.region}), bucket <code>{snapshot.bucket}</code></dd>
          {snapshot.holdUntil && <><dt>Kept until</dt><dd>{formatUtc(snapshot.holdUntil)}</dd></>}
        </dl>
      </div>
      <p className="muted">
        To check a downloaded copy: <code>sha256sum {snapshot.hostname}-*.nacre</code> must print the SHA-256 above. To open it,
        use <Link href={`/decrypt?snapshot=${snapshot.id}`}>Decrypt locally</Link>.
      </p>
    </>
  );
}
