// The API's segmentation rules (chalicelib/domain/segments.py), so the send forms can show
// the segment count and cost as the user types. A test holds both to the same cases.
const GSM7_BASIC = new Set(
  Array.from("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"),
);
const GSM7_EXTENSION = new Set(Array.from("^{}\\[~]|€\f"));

export type Encoding = "GSM-7" | "UCS-2";
export interface Segmentation {
  encoding: Encoding;
  units: number;
  segments: number;
}

const isGsm7 = (chars: string[]) => chars.every((ch) => GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch));

function split(chars: string[], cost: (ch: string) => number, single: number, perPart: number,
  encoding: Encoding): Segmentation {
  const units = chars.reduce((sum, ch) => sum + cost(ch), 0);
  if (units <= single) return { encoding, units, segments: chars.length ? 1 : 0 };
  let segments = 1;
  let used = 0;
  for (const ch of chars) {
    const width = cost(ch);
    if (used + width > perPart) {
      segments += 1;
      used = 0;
    }
    used += width;
  }
  return { encoding, units, segments };
}

/** An international SMS: GSM-7 160/153 (extension characters count two), else UCS-2 70/67. */
export function segment(text: string): Segmentation {
  const chars = Array.from(text);
  if (isGsm7(chars)) return split(chars, (ch) => (GSM7_EXTENSION.has(ch) ? 2 : 1), 160, 153, "GSM-7");
  return split(chars, (ch) => (ch.codePointAt(0)! > 0xffff ? 2 : 1), 70, 67, "UCS-2");
}

/** A mainland-China SMS: 【signature】 + body, one unit per character, 70/67. */
export function segmentDomestic(signature: string, body: string): Segmentation {
  return split(Array.from(signature + body), () => 1, 70, 67, "UCS-2");
}
