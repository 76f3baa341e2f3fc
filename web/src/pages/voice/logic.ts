// The call log's own arithmetic: a call's duration as a clock, and the filter form as the
// API's query (the same filters go to the export).
export const DIRECTIONS = ["inbound", "outbound"];
/** Vonage's call statuses, the call log's statuses. */
export const CALL_STATUSES = ["started", "ringing", "answered", "completed", "busy", "failed", "rejected", "timeout",
  "unanswered", "cancelled", "machine"];

/** 65 → "1:05", 3725 → "1:02:05"; no duration (a call still ringing) → "". */
export function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || seconds < 0) return "";
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A number as typed ("44 7700-900001", "+44…") in the API's E.164 form; "" when empty. */
export function e164(typed: string | undefined): string {
  const compact = (typed ?? "").replace(/[\s()-]/g, "");
  if (!compact) return "";
  return compact.startsWith("+") ? compact : `+${compact}`;
}

export interface CallFilters {
  number?: string;
  direction?: string;
  status?: string;
  range?: [string, string] | null;
}

/** The form as the API's query: empties left out, the range as start / end. */
export function callsQuery(values: CallFilters): Record<string, string> {
  const query: Record<string, string> = {};
  const number = e164(values.number);
  if (number) query.number = number;
  if (values.direction) query.direction = values.direction;
  if (values.status) query.status = values.status;
  if (values.range) [query.start, query.end] = values.range;
  return query;
}
