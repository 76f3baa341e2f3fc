import { describe, expect, it } from "vitest";
import { callsQuery, durationText, e164 } from "./logic";

describe("a call's duration", () => {
  it("reads as a clock, hours only when there are some", () => {
    expect(durationText(0)).toBe("0:00");
    expect(durationText(65)).toBe("1:05");
    expect(durationText(3599)).toBe("59:59");
    expect(durationText(3725)).toBe("1:02:05");
  });
  it("is empty for a call without one", () => {
    expect(durationText(null)).toBe("");
    expect(durationText(undefined)).toBe("");
    expect(durationText(-1)).toBe("");
  });
});

describe("the call filters", () => {
  it("writes a typed number in E.164", () => {
    expect(e164(" 44 7700-900001 ")).toBe("+447700900001");
    expect(e164("+447700900001")).toBe("+447700900001");
    expect(e164("")).toBe("");
  });
  it("sends only what was chosen, the range as start and end", () => {
    expect(callsQuery({})).toEqual({});
    expect(callsQuery({ number: "447700900001", direction: "inbound", status: "", range: null }))
      .toEqual({ number: "+447700900001", direction: "inbound" });
    expect(callsQuery({ range: ["2026-01-01T00:00:00+08:00", "2026-01-02T00:00:00+08:00"] }))
      .toEqual({ start: "2026-01-01T00:00:00+08:00", end: "2026-01-02T00:00:00+08:00" });
  });
});
