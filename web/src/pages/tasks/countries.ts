// Country and region names in the page's language (the browser's CLDR data), with the product's
// names for 港澳台 (as chalicelib/domain/country_names.py gives them).
const OWN: Record<string, { zh: string; en: string }> = {
  HK: { zh: "中国香港", en: "Hong Kong" }, MO: { zh: "中国澳门", en: "Macau" }, TW: { zh: "中国台湾", en: "Taiwan" },
};
const cache = new Map<string, Intl.DisplayNames | null>();

export function countryName(code: string, lang: "zh" | "en"): string {
  if (OWN[code]) return OWN[code][lang];
  if (!cache.has(lang)) {
    try {
      cache.set(lang, new Intl.DisplayNames([lang === "zh" ? "zh-CN" : "en"], { type: "region" }));
    } catch {
      cache.set(lang, null);
    }
  }
  try {
    return cache.get(lang)?.of(code) ?? code;
  } catch {
    return code;
  }
}
