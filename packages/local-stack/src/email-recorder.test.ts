// The email recorder as the product meets it: driven by the real Resend SDK (v6), which is how the
// product will send; raw fetch only where the SDK cannot produce the request (bad JSON, no key).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Resend } from "resend";
import { describe, expect, it, vi } from "vitest";
import type { EmailRecorderReadyLine } from "./email-recorder-main.ts";
import { startEmailRecorder } from "./email-recorder.ts";
import { useEmailRecorder } from "./vitest.ts";

const recorder = useEmailRecorder();
const sdk = (): Resend => new Resend(recorder().apiKey, { baseUrl: recorder().baseUrl });
const WELCOME = {
  from: "Nacre <hello@nacre.test>",
  to: "ada@example.com",
  subject: "Welcome",
  html: '<p>Confirm: <a href="http://localhost:3000/verify?token=abc&amp;u=1">verify</a></p>',
  text: "Confirm: http://localhost:3000/verify?token=abc&u=1",
};

/** POSTs a raw body to /emails with the recorder's key. */
async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${recorder().baseUrl}/emails`, {
    method: "POST",
    headers: { authorization: `Bearer ${recorder().apiKey}`, "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, json: await res.json() };
}

describe("email recorder", () => {
  it("records an email sent through the Resend SDK, html and text, and serves it back", async () => {
    const { data, error } = await sdk().emails.send({ ...WELCOME, cc: ["ops@example.com"], tags: [{ name: "kind", value: "welcome" }] });
    expect(error).toBeNull();
    const [email] = recorder().emails();
    expect(email).toMatchObject({
      id: data?.id,
      from: WELCOME.from,
      to: ["ada@example.com"],
      cc: ["ops@example.com"],
      subject: "Welcome",
      html: WELCOME.html,
      text: WELCOME.text,
      tags: [{ name: "kind", value: "welcome" }],
    });
    expect(email?.userAgent).toMatch(/^resend-node:6\./);

    const fetched = await sdk().emails.get(data!.id);
    expect(fetched.data).toMatchObject({ object: "email", id: data!.id, to: ["ada@example.com"], subject: "Welcome" });
  });

  it("is found through RESEND_BASE_URL when no baseUrl is passed", async () => {
    vi.stubEnv("RESEND_BASE_URL", recorder().baseUrl);
    try {
      const { error } = await new Resend(recorder().apiKey).emails.send({ ...WELCOME, subject: "Via env" });
      expect(error).toBeNull();
    } finally {
      vi.unstubAllEnvs();
    }
    await expect(recorder().waitForEmail((e) => e.subject === "Via env", 1_000)).resolves.toMatchObject({ subject: "Via env" });
  });

  it("waits for an email still to come, and says what it saw when none matches", async () => {
    const waiting = recorder().waitForEmail((e) => e.to.includes("late@example.com"));
    await sdk().emails.send({ ...WELCOME, to: ["late@example.com"] });
    await expect(waiting).resolves.toMatchObject({ to: ["late@example.com"] });
    await expect(recorder().waitForEmail((e) => e.subject === "Never", 50)).rejects.toThrow(/E_EMAIL_TIMEOUT.*"Welcome"/);
  });

  it("refuses a wrong or missing key with Resend's errors, surfaced by the SDK", async () => {
    const wrong = await new Resend("re_wrong", { baseUrl: recorder().baseUrl }).emails.send(WELCOME);
    expect(wrong.error).toMatchObject({ statusCode: 403, name: "invalid_api_key" });
    const missing = await fetch(`${recorder().baseUrl}/emails`, { method: "POST", body: JSON.stringify(WELCOME) });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ statusCode: 401, name: "missing_api_key" });
    expect(recorder().emails()).toEqual([]);
  });

  it("records a retried send once: same Idempotency-Key and body, same id", async () => {
    const first = await sdk().emails.send(WELCOME, { idempotencyKey: "welcome/ada" });
    const again = await sdk().emails.send(WELCOME, { idempotencyKey: "welcome/ada" });
    expect(again.data?.id).toBe(first.data?.id);
    expect(recorder().emails()).toHaveLength(1);
    expect(recorder().emails()[0]?.idempotencyKey).toBe("welcome/ada");

    const changed = await sdk().emails.send({ ...WELCOME, subject: "Other" }, { idempotencyKey: "welcome/ada" });
    expect(changed.error).toMatchObject({ statusCode: 409, name: "invalid_idempotent_request" });
    const tooLong = await sdk().emails.send(WELCOME, { idempotencyKey: "k".repeat(257) });
    expect(tooLong.error).toMatchObject({ statusCode: 400, name: "invalid_idempotency_key" });
    expect(recorder().emails()).toHaveLength(1);
  });

  it("answers 422 validation_error for a send the real API would refuse", async () => {
    const badTo = await sdk().emails.send({ ...WELCOME, to: "not-an-address" });
    expect(badTo.error).toMatchObject({ statusCode: 422, name: "validation_error", message: expect.stringContaining("`to`") });
    const badFrom = await sdk().emails.send({ ...WELCOME, from: "Nacre" });
    expect(badFrom.error).toMatchObject({ statusCode: 422, message: expect.stringContaining("`from`") });
    const { subject: _subject, ...noSubject } = WELCOME;
    expect((await post(JSON.stringify(noSubject))).json).toMatchObject({ statusCode: 422, message: "Missing `subject` field." });
    const { html: _html, text: _text, ...noBody } = WELCOME;
    expect((await post(JSON.stringify(noBody))).json).toMatchObject({ statusCode: 422, message: "Missing `html` or `text` field." });
    expect((await post("[1, 2]")).status).toBe(422);
    expect(recorder().emails()).toEqual([]);
  });

  it("answers malformed JSON with 400, an oversize body with 413, unknown routes with 404, and keeps serving", async () => {
    expect(await post('{"from": ')).toMatchObject({ status: 400, json: { name: "validation_error" } });
    const huge = await sdk().emails.send({ ...WELCOME, html: "x".repeat(2 * 1024 * 1024) });
    expect(huge.error).toMatchObject({ statusCode: 413 });
    const unknown = await fetch(`${recorder().baseUrl}/domains`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ name: "not_found" });
    expect((await fetch(`${recorder().baseUrl}/emails`, { method: "DELETE" })).status).toBe(405);
    expect((await sdk().emails.get("00000000-0000-0000-0000-000000000000")).error).toMatchObject({ statusCode: 404 });
    expect((await sdk().emails.send(WELCOME)).error).toBeNull();
  });

  it("lists received emails with their links on a page for people", async () => {
    const { data } = await sdk().emails.send({ ...WELCOME, subject: "<Reset> your password" });
    const page = await (await fetch(`${recorder().baseUrl}/`)).text();
    expect(page).toContain("&#60;Reset&#62; your password");
    expect(page).toContain('href="http://localhost:3000/verify?token=abc&#38;u=1"');
    expect(page).toContain(`href="/view/${data!.id}"`);
    const view = await fetch(`${recorder().baseUrl}/view/${data!.id}`);
    expect(view.headers.get("content-security-policy")).toContain("sandbox");
    expect(await view.text()).toBe(WELCOME.html);
  });

  it("appends to emails.jsonl in its directory and lists those emails again after a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nacre-email-"));
    try {
      const first = await startEmailRecorder({ dir });
      await new Resend(first.apiKey, { baseUrl: first.baseUrl }).emails.send(WELCOME);
      await first.stop();
      const lines = (await readFile(join(dir, "emails.jsonl"), "utf8")).trim().split("\n");
      expect(lines.map((l) => JSON.parse(l) as { subject: string })).toMatchObject([{ subject: "Welcome" }]);

      const second = await startEmailRecorder({ dir });
      expect(second.emails()).toMatchObject([{ subject: "Welcome" }]);
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs as a plain `node` entry that prints one JSON line when ready", async () => {
    const main = fileURLToPath(new URL("./email-recorder-main.ts", import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), "nacre-email-main-"));
    const child = spawn(process.execPath, [main, "--port", "0", "--dir", dir, "--api-key", "re_dev"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
      const ready = JSON.parse(line) as EmailRecorderReadyLine;
      expect(ready).toMatchObject({ apiKey: "re_dev", file: join(dir, "emails.jsonl"), inbox: `${ready.baseUrl}/` });
      const { error } = await new Resend("re_dev", { baseUrl: ready.baseUrl }).emails.send(WELCOME);
      expect(error).toBeNull();
      expect(await readFile(join(dir, "emails.jsonl"), "utf8")).toContain('"subject":"Welcome"');
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
