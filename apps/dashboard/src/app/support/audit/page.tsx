import type { Metadata } from "next";
import { requireSupport } from "@/server/auth/current-user.ts";
import { auditLog } from "@/server/queries/support-views.ts";
import { AuditTable } from "@/components/audit-table.tsx";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ customer?: string; vm?: string }> }) {
  const user = await requireSupport();
  const { customer, vm } = await searchParams;
  const entries = await auditLog(user.session, { ...(customer ? { customerId: customer } : {}), ...(vm ? { vmId: vm } : {}), limit: 200 });
  return (
    <>
      <h1>Audit log</h1>
      <p className="lede">Append-only: every support action, export, restore step and purge, newest first.{(customer || vm) && " Filtered."}</p>
      <AuditTable entries={entries} />
    </>
  );
}
