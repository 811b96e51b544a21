import type { ExportRow } from "@/server/queries/customer-views.ts";
import { formatUtc } from "@/lib/format.ts";

const STATUS: Record<ExportRow["status"], string> = { queued: "Queued", running: "Backing up", emailed: "Emailed", failed: "Failed" };

export function ExportsTable({ exports }: { exports: ExportRow[] }) {
  return (
    <div className="table-wrap">
      <table data-testid="exports-table">
        <thead><tr><th>Requested (UTC)</th><th>Status</th><th>Sent to</th><th>Link valid until</th></tr></thead>
        <tbody>
          {exports.map((e) => (
            <tr key={e.id}>
              <td>{formatUtc(e.createdAt)}</td>
              <td className={e.status === "failed" ? "status-bad" : e.status === "emailed" ? "status-ok" : ""}>
                {STATUS[e.status]}{e.error && <span className="muted"> — {e.error.replace(/^E_[A-Z_]+: /, "")}</span>}
              </td>
              <td>{e.emailTo ?? "—"}</td>
              <td>{e.linkExpiresAt ? formatUtc(e.linkExpiresAt) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
