// The pages a human opens in the dev stack instead of a mailbox: GET / lists what the product
// "sent", with the links each email carries (sign-in and verification links are usually why one
// looks), and GET /view/:id shows one email. No auth: the recorder only listens on 127.0.0.1.
import type { RecordedEmail } from "./resend-api.ts";

/** Served with every email view: the email's own HTML may not run scripts or load frames. */
export const VIEW_CSP = "sandbox allow-popups allow-popups-to-escape-sandbox; script-src 'none'; frame-src 'none'";

/** The links an email offers: href targets of its HTML, then bare URLs of its text, deduplicated. */
export function extractLinks(email: Pick<RecordedEmail, "html" | "text">): string[] {
  const links = new Set<string>();
  for (const match of (email.html ?? "").matchAll(/href\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
    const href = decodeEntities(match[1] ?? match[2] ?? "").trim();
    if (/^(https?|mailto):/i.test(href)) links.add(href);
  }
  for (const match of (email.text ?? "").matchAll(/https?:\/\/[^\s<>"')\]]+/g)) links.add(match[0]);
  return [...links];
}

/** The inbox: every recorded email, newest first. */
export function renderInboxPage(emails: readonly RecordedEmail[]): string {
  const rows = [...emails]
    .reverse()
    .map((email) => {
      const links = extractLinks(email)
        .map((href) => `<li><a href="${escapeHtml(href)}">${escapeHtml(href)}</a></li>`)
        .join("");
      return (
        `<tr><td>${escapeHtml(email.createdAt)}</td><td>${escapeHtml(email.from)}</td>` +
        `<td>${escapeHtml(email.to.join(", "))}</td>` +
        `<td><a href="/view/${encodeURIComponent(email.id)}">${escapeHtml(email.subject)}</a></td>` +
        `<td><ul>${links}</ul></td></tr>`
      );
    })
    .join("\n");
  const body =
    emails.length === 0
      ? "<p>No email yet. Point the Resend SDK here (baseUrl or RESEND_BASE_URL) and send one.</p>"
      : `<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th><th>Links</th></tr></thead>` +
        `<tbody>\n${rows}\n</tbody></table>`;
  return page(
    `Recorded email (${emails.length})`,
    `<h1>Recorded email (${emails.length})</h1>\n${body}`,
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}" +
      "ul{margin:0;padding-left:1em}",
  );
}

/** One email: its HTML as sent (under VIEW_CSP), or its text in a <pre>. */
export function renderEmailView(email: RecordedEmail): string {
  if (email.html) return email.html;
  return page(email.subject, `<pre>${escapeHtml(email.text ?? "")}</pre>`, "pre{white-space:pre-wrap}");
}

/** The page for an id the recorder does not know (e.g. after clear()). */
export function renderUnknownEmail(id: string): string {
  return page("No such email", `<p>No recorded email has the id ${escapeHtml(id)}. <a href="/">Back to the list</a>.</p>`, "");
}

function page(title: string, body: string, css: string): string {
  return (
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>body{font-family:system-ui,sans-serif;margin:1.5em}${css}</style></head>\n<body>\n${body}\n</body></html>\n`
  );
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function decodeEntities(value: string): string {
  return value.replace(/&amp;/g, "&").replace(/&#38;/g, "&");
}
