// What an account is created with: its time zone and currency.
/** Every IANA zone the browser knows (for an account's time zone). */
export function zoneOptions(): { value: string; label: string }[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : ["Asia/Shanghai", "UTC"];
  const all = zones.includes("UTC") ? zones : [...zones, "UTC"];
  return all.map((zone) => ({ value: zone, label: zone }));
}

export const CURRENCIES = ["CNY", "EUR", "GBP", "HKD", "JPY", "MOP", "SGD", "TWD", "USD"];
