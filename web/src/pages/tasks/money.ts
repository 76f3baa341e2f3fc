// The estimate's arithmetic in integer micros (lib/money.ts), shown as the API shows amounts
// (domain/money.format_amount: every significant decimal, at least two), so the form's estimate
// reads exactly as the created task's.
import { fromMicros, toMicros } from "../../lib/money";

/** price per segment × segments × numbers, in micros. */
export function priceMicros(unitPrice: string, segments: number, numbers: number): bigint {
  return toMicros(unitPrice) * BigInt(segments) * BigInt(numbers);
}

export function amount(micros: bigint): string {
  const [whole, fraction = ""] = fromMicros(micros, 6).split(".");
  return `${whole}.${fraction.replace(/0+$/, "").padEnd(2, "0")}`;
}
