// The one email a customer gets when backups of a server have failed two nights in a row. It says
// what failed, since when, what we keep doing, and what they can do; the same facts as the banner.
import type { Night } from "@nacre/jobs";
import type { EmailMessage } from "../mailer.ts";

export interface BannerEmailInput {
  vmId: string;
  to: string;
  hostname: string;
  /** The first failed night of the run. */
  since: Night;
  /** The night whose failure raised the banner (the idempotency key's night). */
  night: Night;
  /** The customer's words for the last failure. */
  reason: string;
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The email, in HTML and plain text, with its idempotency key `banner:<vmId>:<night>`. */
export function bannerEmail(input: BannerEmailInput): EmailMessage {
  const subject = `Backups of ${input.hostname} have failed two nights in a row`;
  const paragraphs = [
    `The nightly backups of your server ${input.hostname} have failed every night since ${input.since} (UTC), including the hourly retries after each night's first attempt.`,
    `What went wrong most recently: ${input.reason}`,
    "Your earlier backups are untouched and can still be restored. We keep trying every night at 03:00 UTC, and the notice on your dashboard goes away as soon as a backup succeeds.",
    "If the reason above points at your server (switched off, out of disk space), fixing it is enough. Otherwise reply to this email and our support team will look into it.",
  ];
  const text = `Hello,\n\n${paragraphs.join("\n\n")}\n\n— Nacre Backups\n`;
  const html = [
    "<!doctype html><html><body style=\"font-family: sans-serif; line-height: 1.5\">",
    `<h1 style="font-size: 18px">${escapeHtml(subject)}</h1>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    "<p>— Nacre Backups</p>",
    "</body></html>",
  ].join("\n");
  return { to: input.to, subject, html, text, idempotencyKey: `banner:${input.vmId}:${input.night}` };
}
