import { describe, expect, it } from "vitest";
import { bannerEmail } from "./banner-email.ts";

describe("the banner email", () => {
  const input = {
    vmId: "3f1c2a4e-8b5d-4c6e-9f70-1a2b3c4d5e6f", to: "ada@example.com", hostname: "ada.sg.nacre.host",
    since: "2026-11-20", night: "2026-11-21", reason: "The backup agent on your server was not reachable. <Check> it & retry.",
  };

  it("says what failed and since when, in HTML and in text, with one idempotency key per VM and night", () => {
    const email = bannerEmail(input);
    expect(email).toMatchObject({ to: "ada@example.com", idempotencyKey: `banner:${input.vmId}:2026-11-21` });
    expect(email.subject).toBe("Backups of ada.sg.nacre.host have failed two nights in a row");
    expect(email.text).toContain("since 2026-11-20 (UTC)");
    expect(email.text).toContain(input.reason);
    expect(email.html).toContain("since 2026-11-20 (UTC)");
  });

  it("escapes what it quotes in the HTML", () => {
    const email = bannerEmail(input);
    expect(email.html).toContain("&lt;Check&gt; it &amp; retry.");
    expect(email.html).not.toContain("<Check>");
  });
});
