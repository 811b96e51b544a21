import { describe, expect, it } from "vitest";
import { encodeMessage } from "./encode-message.ts";
import { EXAMPLES } from "./examples.ts";
import { MAX_FRAME_BYTES } from "./fields.ts";
import { isProtocolError, ProtocolError } from "./protocol-error.ts";

function thrown(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (isProtocolError(error)) return error;
    throw error;
  }
  throw new Error("expected a ProtocolError");
}

describe("encodeMessage", () => {
  it("refuses an invalid payload with E_BAD_PAYLOAD naming the field and the type", () => {
    const payload = { ...EXAMPLES["snapshot.start"], partSize: 1024 };
    const error = thrown(() => encodeMessage("snapshot.start", "c-1", payload));
    expect(error.code).toBe("E_BAD_PAYLOAD");
    expect(error.message).toMatch(/^E_BAD_PAYLOAD: payload\.partSize: .+ this snapshot\.start payload/);
  });

  it("sends only the fields the schema knows", () => {
    const payload = { ...EXAMPLES["command.accepted"], secret: "do not leak" };
    expect(encodeMessage("command.accepted", "a-1", payload)).toBe(
      '{"v":1,"type":"command.accepted","id":"a-1","payload":{"replyTo":"cmd-7"}}',
    );
  });

  it("refuses a bad id with E_BAD_ENVELOPE and an unknown type with E_UNKNOWN_TYPE", () => {
    for (const id of ["", "x".repeat(65), "a/b", "é"]) {
      expect(thrown(() => encodeMessage("app.resume", id, {})).code).toBe("E_BAD_ENVELOPE");
    }
    expect(encodeMessage("app.resume", "x".repeat(64), {})).toContain('"id":"xxxx');
    expect(thrown(() => encodeMessage("app.restart" as never, "x", {} as never)).code).toBe("E_UNKNOWN_TYPE");
    expect(thrown(() => encodeMessage("toString" as never, "x", {} as never)).code).toBe("E_UNKNOWN_TYPE");
  });

  it("refuses a frame over MAX_FRAME_BYTES with E_FRAME_TOO_LARGE", () => {
    const etag = "e".repeat(256);
    const parts = Array.from({ length: 2000 }, (_, i) => ({ number: i + 1, etag }));
    const error = thrown(() => encodeMessage("snapshot.done", "d-1", { ...EXAMPLES["snapshot.done"], parts }));
    expect(error.code).toBe("E_FRAME_TOO_LARGE");
    expect(error.message).toContain(`${MAX_FRAME_BYTES}-byte cap`);
  });
});
