// Money as the API gives it: decimal strings. Arithmetic in integer micro-units (as the API
// does), never in floats.
const MICROS = 1_000_000n;

export function toMicros(amount: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{0,6})\d*)?$/.exec(amount.trim());
  if (!match) throw new Error(`not a decimal amount: ${amount}`);
  const [, sign, whole, fraction = ""] = match;
  const micros = BigInt(whole) * MICROS + BigInt(fraction.padEnd(6, "0"));
  return sign ? -micros : micros;
}

/** Micros as a decimal string with `places` decimals (rounded half up, as the API rounds). */
export function fromMicros(micros: bigint, places = 4): string {
  const negative = micros < 0n;
  let value = negative ? -micros : micros;
  const step = 10n ** BigInt(6 - places);
  value = ((value + step / 2n) / step) * step;
  const whole = value / MICROS;
  const fraction = (value % MICROS).toString().padStart(6, "0").slice(0, places);
  return `${negative && value ? "-" : ""}${whole}${places ? "." + fraction : ""}`;
}

/** price per segment × segments × numbers. */
export function estimateCost(unitPrice: string, segments: number, numbers = 1): string {
  return fromMicros(toMicros(unitPrice) * BigInt(segments) * BigInt(numbers));
}
