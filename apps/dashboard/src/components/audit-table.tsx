import type { AuditRow } from "@/server/queries/support-views.ts";
import { formatUtc } from "@/lib/format.ts";

export function AuditTable({ entries }: { entries: AuditRow[] }) {
  if (entries.length === 0) return <div className="table-wrap"><p className="empty">No audit entries yet.</p></div>;
  return (
    <div className="table-wrap">
      <table data-testid="audit-table">
        <thead><tr><th>When (UTC)</th><th>Who</th><th>Action</th><th>Details</th></tr></thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td style={{ whiteSpace: "nowrap" }}>{formatUtc(e.at).replace(" UTC", "")}</td>
              <td>{e.actorKind}{e.actorEmail ? ` · ${e.actorEmail}` : e.actorId ? ` · ${e.actorId.slice(0, 8)}` : ""}</td>
              <td><code>{e.action}</code></td>
              <td><code className="muted" style={{ wordBreak: "break-word" }}>{summarise(e)}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function summarise(e: AuditRow): string {
  const parts = Object.entries(e.details).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  if (e.vmId) parts.unshift(`vm=${e.vmId.slice(0, 8)}`);
  return parts.join(" ").slice(0, 400);
}
