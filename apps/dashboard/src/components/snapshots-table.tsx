import Link from "next/link";
import type { SnapshotRow } from "@/server/queries/customer-views.ts";
import { formatBytes, formatUtc, KIND_NAMES, REGION_NAMES } from "@/lib/format.ts";
import { CopyButton } from "./copy-button.tsx";

export function SnapshotsTable({ snapshots, linkTo = "customer" }: { snapshots: SnapshotRow[]; linkTo?: "customer" | "none" }) {
  if (snapshots.length === 0) {
    return <div className="table-wrap"><p className="empty">No snapshots yet. The first one is taken tonight from 03:00 UTC, or now with Export now.</p></div>;
  }
  return (
    <div className="table-wrap">
      <table data-testid="snapshots-table">
        <thead>
          <tr><th>Taken (UTC)</th><th>Kind</th><th className="num">Size</th><th>SHA-256 of the file</th><th>Region</th></tr>
        </thead>
        <tbody>
          {snapshots.map((s) => (
            <tr key={s.id} data-snapshot={s.id}>
              <td style={{ whiteSpace: "nowrap" }}>
                {linkTo === "customer" ? <Link href={`/snapshots/${s.id}`}>{formatUtc(s.createdAt)}</Link> : formatUtc(s.createdAt)}
              </td>
              <td>{KIND_NAMES[s.kind] ?? s.kind}</td>
              <td className="num" data-bytes={s.sizeBytes} title={`${s.sizeBytes.toLocaleString("en-US")} bytes`}>{formatBytes(s.sizeBytes)}</td>
              <td><span className="sha"><code className="mono" data-sha256>{s.sha256}</code><CopyButton text={s.sha256} label="Copy SHA-256" /></span></td>
              <td data-region={s.region}>{REGION_NAMES[s.region]} ({s.region})</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
