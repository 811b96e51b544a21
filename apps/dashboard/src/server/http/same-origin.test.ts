import { describe, expect, it } from "vitest";
import { assertSameOrigin } from "./same-origin.ts";

const origin = "https://dash.example";
const post = (headers: Record<string, string>): Request => new Request(`${origin}/api/x`, { method: "POST", headers });

describe("the origin check of mutating routes", () => {
  it("lets the dashboard's own pages through", () => {
    expect(() => assertSameOrigin(post({ origin }), origin)).not.toThrow();
    expect(() => assertSameOrigin(post({ "sec-fetch-site": "same-origin" }), origin)).not.toThrow();
  });

  it("refuses another site, a sibling subdomain, another scheme, and a request that says nothing", () => {
    const refused: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "https://x.dash.example" }, { origin: "http://dash.example" }, {}, { "sec-fetch-site": "same-site" }];
    for (const headers of refused) {
      expect(() => assertSameOrigin(post(headers), origin)).toThrow(expect.objectContaining({ status: 403, code: "E_ORIGIN" }));
    }
  });
});
