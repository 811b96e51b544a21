// Email goes out through the Resend SDK. Tests and the dev stack point it at the local recorder
// (`baseUrl`, or RESEND_BASE_URL), so what they exercise is the product's real request.
import { Resend } from "resend";

export interface EmailMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Resend keeps a key for 24 h: a retried send with the same key delivers nothing twice. */
  idempotencyKey: string;
}

export interface Mailer {
  /** Sends one email; resolves with the provider's id, throws E_EMAIL_SEND when it is refused. */
  send(message: EmailMessage): Promise<string>;
}

export interface ResendMailerOptions {
  apiKey: string;
  /** The API's address; Resend's own unless given (the local recorder in tests and the dev stack). */
  baseUrl?: string;
  /** "Nacre Backups <backups@example.com>" */
  from: string;
}

export function createResendMailer(options: ResendMailerOptions): Mailer {
  const resend = new Resend(options.apiKey, options.baseUrl === undefined ? undefined : { baseUrl: options.baseUrl });
  return {
    async send(message) {
      const { data, error } = await resend.emails.send(
        { from: options.from, to: message.to, subject: message.subject, html: message.html, text: message.text },
        { idempotencyKey: message.idempotencyKey },
      );
      if (error || !data) throw new Error(`E_EMAIL_SEND: ${error?.name ?? "no answer"}: ${error?.message ?? "Resend returned no id"}`);
      return data.id;
    },
  };
}
