// What the number pages work out for themselves: how a country's numbers are bought (the
// banner over the search), prices and features as the tables show them, a number in a URL
// path, and an operator's monthly price overrides as the API takes them.
export type Purchase = "direct" | "application" | "registration";

export const NUMBER_TYPES = ["landline", "mobile-lvn", "landline-toll-free"] as const;
export const FEATURES = ["SMS", "VOICE", "MMS"] as const;
export const PURCHASE_MODES: Purchase[] = ["direct", "application", "registration"];
export const NUMBER_STATUSES = ["active", "pending_registration", "suspended"];
export const APPLICATION_STATUSES = ["pending", "approved", "rejected"];

const DECIMAL = /^\d+(\.\d{1,6})?$/;

export interface Notice {
  type: "info" | "warning";
  /** the key under `purchase.` in the numbers bundle */
  key: Purchase | "unknown";
}

/** A direct country is good news; an application or a registration is a step the customer
 * must know about before paying, and a mode this portal does not know yet is never shown as direct. */
export function purchaseNotice(purchase: string): Notice {
  if (purchase === "direct") return { type: "info", key: "direct" };
  if (purchase === "application" || purchase === "registration") return { type: "warning", key: purchase };
  return { type: "warning", key: "unknown" };
}

/** "1.25 USD": the API's decimal string as it gave it, with its currency when there is one. */
export function priceText(price: string | null | undefined, currency?: string | null): string {
  if (!price) return "";
  return currency ? `${price} ${currency}` : price;
}

/** Features in one order whatever order the API lists them in, each in the page's words. */
export function featuresText(features: readonly string[], label: (feature: string) => string): string {
  const rank = (f: string) => {
    const i = (FEATURES as readonly string[]).indexOf(f);
    return i < 0 ? FEATURES.length : i;
  };
  return [...features].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map(label).join(" / ");
}

/** A number as a path segment: the "+" must be encoded, or a server reads it as a space. */
export function numberPath(msisdn: string): string {
  return encodeURIComponent(msisdn);
}

export function isPrice(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** The form's per-type prices as the API's `monthly_prices`: blank types are left out (they
 * fall back to carrier cost × markup), the rest trimmed. */
export function priceOverrides(values: Partial<Record<string, string | null | undefined>>): Record<string, string> {
  const prices: Record<string, string> = {};
  for (const type of NUMBER_TYPES) {
    const text = values[type]?.trim();
    if (text) prices[type] = text;
  }
  return prices;
}
