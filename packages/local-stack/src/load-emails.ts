// The dev stack's recorder keeps what it received in <dir>/emails.jsonl, one JSON object a line,
// so that a person can read it and a restarted recorder lists the same emails again.
import { readFile } from "node:fs/promises";
import type { RecordedEmail } from "./resend-api.ts";

/** Emails from an earlier run; a line that does not parse (a torn write) is skipped. */
export async function loadEmails(file: string): Promise<RecordedEmail[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const emails: RecordedEmail[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      emails.push(JSON.parse(line) as RecordedEmail);
    } catch {
      continue;
    }
  }
  return emails;
}
