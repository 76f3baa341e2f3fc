import { describe, expect, it } from "vitest";
import { ApiError, queryString } from "../api/client";
import { errorText } from "./errors";
import { estimateCost, fromMicros, toMicros } from "./money";
import { segment, segmentDomestic } from "./segments";
import { formatTime, wallToIso, isoToWall, zoneLabel } from "./time";

describe("segment (the API's rules)", () => {
  it("counts GSM-7 single and long parts", () => {
    expect(segment("a".repeat(160))).toEqual({ encoding: "GSM-7", units: 160, segments: 1 });
    expect(segment("a".repeat(161)).segments).toBe(2);
    expect(segment("a".repeat(306)).segments).toBe(2);
    expect(segment("a".repeat(307)).segments).toBe(3);
  });
  it("counts extension characters as two septets and never splits the pair", () => {
    expect(segment("€".repeat(80)).units).toBe(160);
    expect(segment("€".repeat(80)).segments).toBe(1);
    // 152 plain septets + one escape pair: the pair does not fit in part 1 (153), so 2 parts.
    expect(segment("a".repeat(152) + "€" + "a".repeat(10)).segments).toBe(2);
  });
  it("switches to UCS-2 for Chinese and counts astral characters as two units", () => {
    expect(segment("你".repeat(70))).toEqual({ encoding: "UCS-2", units: 70, segments: 1 });
    expect(segment("你".repeat(71)).segments).toBe(2);
    expect(segment("😀".repeat(35)).units).toBe(70);
    expect(segment("😀".repeat(36)).segments).toBe(2);
  });
  it("is zero segments for an empty text", () => {
    expect(segment("").segments).toBe(0);
  });
  it("counts domestic texts by character, signature included", () => {
    expect(segmentDomestic("【JMC】", "你".repeat(65)).segments).toBe(1);
    expect(segmentDomestic("【JMC】", "你".repeat(66)).segments).toBe(2);
  });
});

describe("money in micro-units", () => {
  it("parses and formats decimals without floats", () => {
    expect(toMicros("0.0512")).toBe(51200n);
    expect(toMicros("-1.5")).toBe(-1500000n);
    expect(fromMicros(51200n)).toBe("0.0512");
    expect(fromMicros(15n, 4)).toBe("0.0000");
    expect(fromMicros(50n, 4)).toBe("0.0001");
  });
  it("estimates price × segments × numbers", () => {
    expect(estimateCost("0.0512", 3, 1000)).toBe("153.6000");
    expect(estimateCost("0.1", 0, 10)).toBe("0.0000");
  });
  it("refuses what is not a decimal", () => {
    expect(() => toMicros("1e3")).toThrow();
  });
});

describe("time in the account's zone", () => {
  it("reads a picker's wall clock in the zone and sends the offset", () => {
    const wall = isoToWall("2026-12-01T07:30:00Z", "Asia/Shanghai");
    expect(wall.format("YYYY-MM-DD HH:mm")).toBe("2026-12-01 15:30");
    expect(wallToIso(wall, "Asia/Shanghai")).toBe("2026-12-01T15:30:00+08:00");
    expect(wallToIso(wall, "America/New_York")).toBe("2026-12-01T15:30:00-05:00");
  });
  it("shows instants in the zone and names it with its offset", () => {
    expect(formatTime("2026-07-01T00:00:00Z", "America/New_York")).toBe("2026-06-30 20:00:00");
    expect(zoneLabel("Asia/Shanghai")).toBe("Asia/Shanghai (UTC+08:00)");
    expect(formatTime(null, "Asia/Shanghai")).toBe("");
  });
});

describe("API helpers", () => {
  it("builds query strings from the defined values only", () => {
    expect(queryString({ a: 1, b: "", c: undefined, d: ["CN", "US"], e: [] })).toBe("?a=1&d=CN%2CUS");
    expect(queryString({})).toBe("");
  });
  it("says an API error's code, field, reason and retry time", () => {
    const t = ((key: string, options?: Record<string, unknown>) =>
      `${key}${options && "field" in options ? ":" + options.field : ""}${options && "seconds" in options ? ":" + options.seconds : ""}`) as never;
    const error = new ApiError(422, "invalid_value", "must be a 6-digit code", "code", 30);
    expect(errorText(error, t)).toBe("errors:invalid_value · errors:field:code · must be a 6-digit code · errors:retry_after:30");
    expect(errorText(new Error("x"), t)).toBe("errors:unknown");
  });
});
