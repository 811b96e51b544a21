// The email that delivers an export: the 24-hour download link, what the file is, and how to open it.
import type { EmailMessage } from "../mailer.ts";

export interface ExportEmailInput {
  exportId: string;
  to: string;
  hostname: string;
  url: string;
  linkExpiresAt: Date;
  sizeBytes: number;
  sha256: string;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const utc = (at: Date): string => `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The email, in HTML and plain text, with its idempotency key `export:<exportId>`. */
export function exportEmail(input: ExportEmailInput): EmailMessage {
  const subject = `Your export of ${input.hostname} is ready to download`;
  const mib = (input.sizeBytes / 1024 / 1024).toFixed(1);
  const before = [
    `The export of your server ${input.hostname} that you asked for is ready (${mib} MiB, encrypted).`,
  ];
  const after = [
    `The link works until ${utc(input.linkExpiresAt)} (24 hours). After that, ask for a new export from your dashboard.`,
    "The file is encrypted with your account's key, like your nightly backups. Open it with \"Decrypt locally\" on your dashboard, or offline with the Nacre CLI and your customer key.",
    `SHA-256 of the file, to check the download: ${input.sha256}`,
  ];
  const text = `Hello,\n\n${before.join("\n\n")}\n\nDownload: ${input.url}\n\n${after.join("\n\n")}\n\n— Nacre Backups\n`;
  const html = [
    "<!doctype html><html><body style=\"font-family: sans-serif; line-height: 1.5\">",
    `<h1 style="font-size: 18px">${escapeHtml(subject)}</h1>`,
    ...before.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${escapeHtml(input.url)}">Download the export</a></p>`,
    ...after.map((p) => `<p>${escapeHtml(p)}</p>`),
    "<p>— Nacre Backups</p>",
    "</body></html>",
  ].join("\n");
  return { to: input.to, subject, html, text, idempotencyKey: `export:${input.exportId}` };
}
