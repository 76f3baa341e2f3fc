"""Domain throughput on one core: numbers normalised + segmented + priced per second,
beside a bare phonenumbers parse-and-validate loop over the same numbers (the ratio is the
figure: how much our domain layer costs on top of the library).

    .venv/bin/python bench/bench_domain.py [--count 100000]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import phonenumbers  # noqa: E402

from chalicelib.domain.phone import PhoneNumberError, parse_phone  # noqa: E402
from chalicelib.domain.segments import price_micros, segment, segment_domestic  # noqa: E402

REGIONS = ["CN", "HK", "MO", "TW", "SG", "US", "GB", "DE", "JP", "IN", "ID", "MY", "TH", "PH", "VN", "FR", "BR",
           "MX", "AU", "KR", "AE", "SA", "NG", "ZA", "EG", "TR", "RU", "IT", "ES", "CA"]
TEXTS = ["Your code is 123456", "Hello {name}, your parcel #4711 arrives today between 9:00 and 12:00. Reply STOP to opt out.",
         "您的验证码是123456，5分钟内有效。", "x" * 400, "Größe: 5€ — ça va? 👍"]
DOMESTIC = ("【锦木科技】", "您的验证码是123456，5分钟内有效，请勿泄露。")


def numbers(count: int, seed: int = 7, tail: int = 3) -> list[str]:
    """Valid-looking numbers across 30 regions (example numbers with ``tail`` varied last
    digits), ~5% junk."""
    rng = random.Random(seed)
    examples = []
    for region in REGIONS:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        examples.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    out = []
    for _ in range(count):
        if rng.random() < 0.05:
            out.append(rng.choice(["12345", "+999 1", "hello", "+44 123"]))
            continue
        base = rng.choice(examples)
        out.append(base[:-tail] + f"{rng.randrange(10 ** tail):0{tail}d}")
    return out


def baseline(items: list[str]) -> int:
    valid = 0
    for text in items:
        try:
            number = phonenumbers.parse(text if text.startswith("+") else "+" + text, None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            phonenumbers.region_code_for_number(number)
            valid += 1
    return valid


def domain_path(items: list[str]) -> int:
    priced = 0
    for i, text in enumerate(items):
        try:
            number = parse_phone(text)
        except PhoneNumberError:
            continue
        split = segment_domestic(*DOMESTIC) if number.country == "CN" else segment(TEXTS[i % len(TEXTS)])
        price_micros(split.segments, 40_000)
        priced += 1
    return priced


def timed(fn, items):
    start_cpu, start = time.process_time(), time.perf_counter()
    result = fn(items)
    return result, time.process_time() - start_cpu, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    items = numbers(args.count)
    (valid, base_cpu, _), (priced, dom_cpu, _) = timed(baseline, items), timed(domain_path, items)
    tracemalloc.start()
    domain_path(items[:20_000])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"numbers: {len(items)} ({valid} valid) over {len(REGIONS)} regions; one core, CPU time")
    print(f"  phonenumbers parse + is_valid + region   {len(items) / base_cpu:10,.0f} numbers/s (baseline)")
    print(f"  parse_phone + segment + price            {len(items) / dom_cpu:10,.0f} numbers/s "
          f"(ratio to baseline {base_cpu / dom_cpu:.2f})")
    print(f"  priced messages: {priced}; peak traced memory over 20k: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
