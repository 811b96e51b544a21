import type { Metadata } from "next";
import { withUserSession } from "@nacre/db";
import { requireCustomer } from "@/server/auth/current-user.ts";
import { services } from "@/server/services.ts";
import { DecryptPanel } from "@/components/decrypt-panel.tsx";
import type { DecryptChoice } from "@/components/decrypt-panel.tsx";
import { formatUtc, KIND_NAMES } from "@/lib/format.ts";

export const metadata: Metadata = { title: "Decrypt locally" };

export default async function DecryptPage({ searchParams }: { searchParams: Promise<{ snapshot?: string }> }) {
  const user = await requireCustomer();
  const { snapshot } = await searchParams;
  const rows = await withUserSession(services().sql, user.session, (tx) => tx`select s.id, s.kind::text as kind, s.created_at, v.hostname
    from public.snapshots s join public.vms v on v.id = s.vm_id
    where s.customer_id = ${user.userId} and s.status = 'completed' order by s.created_at desc limit 60`);
  const choices: DecryptChoice[] = rows.map((r) => ({
    id: r["id"] as string,
    hostname: r["hostname"] as string,
    createdAt: (r["created_at"] as Date).toISOString(),
    label: `${r["hostname"] as string} — ${KIND_NAMES[r["kind"] as string] ?? r["kind"]} of ${formatUtc(r["created_at"] as Date)}`,
  }));
  return (
    <>
      <h1>Decrypt locally</h1>
      <p className="lede">
        Turn a downloaded export (<code>.nacre</code>) into an ordinary <code>.tar</code> archive, right here in your browser.
        The file never leaves your computer; the server only hands this page the key of that one file, once.
      </p>
      <DecryptPanel choices={choices} preselected={snapshot ?? null} />
      <h2>Which browsers</h2>
      <p className="muted">
        Chrome, Edge and other Chromium browsers write the archive straight to the file you choose, so any size works.
        Firefox and Safari build the archive in memory and offer it as a download at the end: fine for exports of a few
        gigabytes, depending on your computer&apos;s memory. Either way nothing is saved unless every part of the file checks out.
        For very large exports, the <code>nacre-agent decrypt</code> command-line tool decrypts offline with your
        customer key, which support gives you after checking who you are.
      </p>
    </>
  );
}
