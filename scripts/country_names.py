"""Write chalicelib/domain/data/country_names.json: English and Simplified Chinese names of
every region phonenumbers routes, from the Unicode CLDR (through Babel, a dev-only tool).

    .venv/bin/python scripts/country_names.py

Re-run it after upgrading phonenumberslite or Babel; tests/unit/test_country_names.py fails
when the committed file and this output differ.

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


def build_names() -> dict[str, dict[str, str]]:
    """{region: {"en": name, "zh": name}} for every phonenumbers region; ValueError naming a
    region CLDR has no name for."""
    en, zh = Locale("en").territories, Locale("zh").territories
    names = {}
    for code in sorted(phonenumbers.SUPPORTED_REGIONS):
        english, chinese = OVERRIDES.get(code, (en.get(code), zh.get(code)))
        if not english or not chinese:
            raise ValueError(f"no CLDR name for {code}")
        names[code] = {"en": english, "zh": chinese}
    return names


def render(names: dict[str, dict[str, str]]) -> str:
    """One region per line, so a regeneration reads well in a diff."""
    lines = [f"{json.dumps(code)}: {json.dumps(names[code], ensure_ascii=False)}" for code in sorted(names)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> int:
    try:
        names = build_names()
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 1
    OUT.write_text(render(names), encoding="utf-8")
    print(f"{len(names)} regions -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
