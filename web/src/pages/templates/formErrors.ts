// An API field error shown next to its form field, naming the field by its label in the page's
// language (the API names it by its JSON key). Shared by the config modules (templates, webhook,
// blacklist, apps).
import type { TFunction } from "i18next";
import { ApiError } from "../../api/client";
import { errorText } from "../../lib/errors";

/** antd `form.setFields` entries for an API field error, or [] when it names no field here. */
export function formErrors(error: unknown, t: TFunction, labels: Record<string, string>): { name: string; errors: string[] }[] {
  if (!(error instanceof ApiError) || !error.field) return [];
  const field = error.field;
  const name = Object.keys(labels).find((n) => field === n || field.endsWith("." + n) || field.startsWith(n + "["));
  if (!name) return [];
  const named = new ApiError(error.status, error.code, error.message, labels[name], error.retryAfter);
  return [{ name, errors: [errorText(named, t)] }];
}
