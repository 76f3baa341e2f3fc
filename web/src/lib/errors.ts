import type { TFunction } from "i18next";
import { ApiError } from "../api/client";

/** One line for an error in the current language: the code's sentence, the field, the
 * API's own words (its reason) and when to retry. */
export function errorText(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t("errors:unknown");
  const parts = [t(`errors:${error.code}`, { defaultValue: t("errors:unknown") })];
  if (error.field) parts.push(t("errors:field", { field: error.field }));
  if (error.message && error.code !== "network_error") parts.push(error.message);
  if (error.retryAfter) parts.push(t("errors:retry_after", { seconds: error.retryAfter }));
  return parts.join(" · ");
}

/** antd Form field errors from an API field error (`filters.end` → field `end`). */
export function fieldErrors(error: unknown, t: TFunction, names: string[]): { name: string; errors: string[] }[] {
  if (!(error instanceof ApiError) || !error.field) return [];
  const name = names.find((n) => error.field === n || error.field?.endsWith("." + n) || error.field?.startsWith(n + "["));
  return name ? [{ name, errors: [errorText(error, t)] }] : [];
}
