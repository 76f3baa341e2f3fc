import { describe, expect, it } from "vitest";
import { featuresText, isPrice, numberPath, priceOverrides, priceText, purchaseNotice } from "./logic";

describe("how a country's numbers are bought", () => {
  it("says direct as information and the extra steps as warnings", () => {
    expect(purchaseNotice("direct")).toEqual({ type: "info", key: "direct" });
    expect(purchaseNotice("application")).toEqual({ type: "warning", key: "application" });
    expect(purchaseNotice("registration")).toEqual({ type: "warning", key: "registration" });
  });
  it("never calls a mode it does not know direct", () => {
    expect(purchaseNotice("documents")).toEqual({ type: "warning", key: "unknown" });
    expect(purchaseNotice("")).toEqual({ type: "warning", key: "unknown" });
  });
});

describe("number texts", () => {
  it("shows a price with its currency, and nothing for no price", () => {
    expect(priceText("1.25", "USD")).toBe("1.25 USD");
    expect(priceText("1.25")).toBe("1.25");
    expect(priceText(null, "USD")).toBe("");
  });
  it("lists features in one order, in the page's words", () => {
    const zh: Record<string, string> = { SMS: "短信", VOICE: "语音", MMS: "彩信" };
    expect(featuresText(["VOICE", "SMS"], (f) => zh[f])).toBe("短信 / 语音");
    expect(featuresText(["MMS", "FAX", "SMS"], (f) => zh[f] ?? f)).toBe("短信 / 彩信 / FAX");
    expect(featuresText([], (f) => f)).toBe("");
  });
  it("encodes the plus of a number in a path", () => {
    expect(numberPath("+447700900001")).toBe("%2B447700900001");
    expect(numberPath("447700900001")).toBe("447700900001");
  });
});

describe("operators' monthly prices", () => {
  it("accepts decimals of up to six places only", () => {
    expect(isPrice("1.25")).toBe(true);
    expect(isPrice(" 2 ")).toBe(true);
    expect(isPrice("0.1234567")).toBe(false);
    expect(isPrice("-1")).toBe(false);
    expect(isPrice("1e2")).toBe(false);
  });
  it("sends the types given and leaves blank ones to cost × markup", () => {
    expect(priceOverrides({ landline: " 1.00 ", "mobile-lvn": "", "landline-toll-free": undefined })).toEqual({ landline: "1.00" });
    expect(priceOverrides({ other: "3.00" })).toEqual({});
  });
});
