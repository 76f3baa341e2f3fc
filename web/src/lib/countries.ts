// Country and region names: the regions the API routes to (phonenumbers' SUPPORTED_REGIONS,
// which the API checks against), named by the browser's CLDR data in the page's language,
// with the product's names for 港澳台 (as chalicelib/domain/country_names.py gives them).
const REGIONS = ("AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW " +
  "BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
  "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH " +
  "KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX " +
  "MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG " +
  "SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC TD TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG " +
  "VI VN VU WF WS XK YE YT ZA ZM ZW").split(" ");
const OWN: Record<string, { zh: string; en: string }> = {
  HK: { zh: "中国香港", en: "Hong Kong" }, MO: { zh: "中国澳门", en: "Macau" }, TW: { zh: "中国台湾", en: "Taiwan" },
};
const names = new Map<string, Intl.DisplayNames | null>();

function displayNames(lang: "zh" | "en"): Intl.DisplayNames | null {
  if (!names.has(lang)) {
    try {
      names.set(lang, new Intl.DisplayNames([lang === "zh" ? "zh-CN" : "en"], { type: "region" }));
    } catch {
      names.set(lang, null);
    }
  }
  return names.get(lang) ?? null;
}

export function countryName(code: string, lang: string): string {
  const key = lang === "en" ? "en" : "zh";
  if (OWN[code]) return OWN[code][key];
  try {
    return displayNames(key)?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "中国香港 (HK)": a code with its name. */
export function countryLabel(code: string, lang: string): string {
  return `${countryName(code, lang)} (${code})`;
}

/** Select options, sorted by name in the page's language. */
export function countryOptions(lang: string): { value: string; label: string }[] {
  const collator = new Intl.Collator(lang === "en" ? "en" : "zh-CN");
  return REGIONS.map((code) => ({ value: code, label: countryLabel(code, lang) }))
    .sort((a, b) => collator.compare(a.label, b.label));
}
