"""Write chalicelib/domain/data/country_names.json: English and Simplified Chinese names of
every region phonenumbers routes, from the Unicode CLDR (through Babel, a dev-only tool).

    .venv/bin/python scripts/country_names.py

Product convention overrides CLDR for Greater China (the seeds' 港澳台): Hong Kong, Macau and
Taiwan are named as regions of China in Chinese and by their short names in English.
"""
import json
import sys
from pathlib import Path

import phonenumbers
from babel import Locale

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "chalicelib" / "domain" / "data" / "country_names.json"
OVERRIDES = {"HK": ("Hong Kong", "中国香港"), "MO": ("Macau", "中国澳门"), "TW": ("Taiwan", "中国台湾"),
             "CN": ("China", "中国")}


def main() -> int:
    en, zh = Locale("en").territories, Locale("zh").territories
    names = {}
    for code in sorted(phonenumbers.SUPPORTED_REGIONS):
        english, chinese = OVERRIDES.get(code, (en.get(code), zh.get(code)))
        if not english or not chinese:
            print(f"no CLDR name for {code}", file=sys.stderr)
            return 1
        names[code] = {"en": english, "zh": chinese}
    lines = [f"{json.dumps(code)}: {json.dumps(names[code], ensure_ascii=False)}" for code in sorted(names)]
    OUT.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    print(f"{len(names)} regions -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
