import type { Metadata } from "next";
import Link from "next/link";
import { requireSupport } from "@/server/auth/current-user.ts";
import { searchAccounts } from "@/server/queries/support-views.ts";
import { REGION_NAMES } from "@/lib/format.ts";

export const metadata: Metadata = { title: "Support console" };

export default async function SupportHome({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const user = await requireSupport();
  const q = (await searchParams).q?.trim() ?? "";
  const hits = q ? await searchAccounts(user.session, q) : [];
  return (
    <>
      <h1>Support console</h1>
      <p className="lede">Find a customer by email, a server by hostname, or either by id. Everything you do here is written to the audit log.</p>
      <form className="row" role="search" action="/support">
        <input type="search" name="q" defaultValue={q} placeholder="alice@example.com, alice-claw, or an id" aria-label="Search customers and servers" style={{ flex: "1 1 280px" }} />
        <button type="submit">Search</button>
      </form>
      {q && hits.length === 0 && <div className="card empty" style={{ marginTop: 16 }}>No customer or server matches “{q}”.</div>}
      {hits.length > 0 && (
        <div className="table-wrap" style={{ marginTop: 16 }}>
          <table data-testid="search-results">
            <thead><tr><th>Customer</th><th>Plan</th><th>Servers</th></tr></thead>
            <tbody>
              {hits.map(({ customer, vms }) => (
                <tr key={customer.id}>
                  <td><Link href={`/support/customers/${customer.id}`}>{customer.email}</Link><br /><code className="muted">{customer.id}</code></td>
                  <td>{customer.planState}</td>
                  <td>
                    {vms.length === 0 && <span className="muted">none</span>}
                    {vms.map((vm) => (
                      <div key={vm.id}><Link href={`/support/vms/${vm.id}`}>{vm.hostname}</Link> <span className="muted">{REGION_NAMES[vm.region] ?? vm.region} · {vm.status}</span></div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
