"""Domain throughput on one core: what our pure domain layer costs per message, beside the
bare phonenumbers loop it is built on.

    .venv/bin/python bench/bench_domain.py [--count 200000] [--seed 7]

Three loops over the same mixed list of numbers (30 regions, mobile and fixed-line example
numbers with varied last digits, with and without "+", some spaced; ~8 % bad: junk, too
short, too long, unknown country code):

  (a) baseline     phonenumbers.parse + is_valid_number + region_code_for_number
  (b) parse_phone  chalicelib.domain.phone.parse_phone alone (reasons, E.164, country)
  (c) full path    parse_phone + segment (segment_domestic with a 【signature】 for CN)
                   + price_micros, over GSM-7, GSM-7 extension, UCS-2, emoji and long texts

Throughput is numbers per CPU second (time.process_time, one thread). Peak memory: the
process's max RSS (resource.getrusage), and tracemalloc's peak for loop (c) over a slice
(tracemalloc slows the loop, so it runs apart from the timed passes).
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import phonenumbers

from chalicelib.domain.phone import PhoneNumberError, parse_phone
from chalicelib.domain.segments import price_micros, segment, segment_domestic

REGIONS = ["CN", "HK", "MO", "TW", "SG", "US", "GB", "DE", "JP", "IN", "ID", "MY", "TH", "PH", "VN", "FR", "BR",
           "MX", "AU", "KR", "AE", "SA", "NG", "ZA", "EG", "TR", "RU", "IT", "ES", "CA"]
TEXTS = [
    "Your code is 123456",  # GSM-7, 1 part
    "Hello Anna, your parcel #4711 arrives today between 9:00 and 12:00. Track it at https://jmc.example/t/"
    "8f3k2 or reply STOP to opt out. Thank you for shopping with us!",  # GSM-7, 2 parts
    "Price: 5€ [promo] {today} only ~ 20% off",  # GSM-7 extension characters
    "您的验证码是123456，5分钟内有效。",  # UCS-2, 1 part
    "Größe: 5€ — ça va? 👍",  # UCS-2 with a surrogate pair
    "尊敬的客户，" + "您的订单已发货，预计明天送达，请保持电话畅通。" * 8,  # UCS-2, 3 parts
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 9,  # GSM-7, 4 parts
]
SIGNATURE = "【锦木科技】"
DOMESTIC_BODIES = ["您的验证码是123456，5分钟内有效，请勿泄露。",
                   "您好，您预约的服务将于明天上午9点开始，如需改期请回复本短信或致电客服。" * 3]
UNIT_PRICE_MICROS = 40_000
DEFAULT_COUNT = 80_000  # ~20 s on one core here; --count 200000 for the long run (~50 s)


def examples() -> list[str]:
    """E.164 example numbers (mobile and fixed line) for every benchmark region."""
    out = []
    for region in REGIONS:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                out.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return out


def numbers(count: int, seed: int = 7, tail: int = 3) -> list[str]:
    """``count`` inputs as API calls and number lists carry them: example numbers with their
    last ``tail`` digits varied, written with or without "+" and sometimes spaced; ~8 % bad."""
    rng = random.Random(seed)
    bases = examples()
    out = []
    for _ in range(count):
        base = rng.choice(bases)
        number = base[:-tail] + f"{rng.randrange(10 ** tail):0{tail}d}"
        roll = rng.random()
        if roll < 0.03:
            number = rng.choice(["hello", "12345", "+", "n/a", "+86 138-0013-80xx"])
        elif roll < 0.05:
            number = number[:-4]  # too short
        elif roll < 0.07:
            number = number + "4711"  # too long
        elif roll < 0.08:
            number = "+999" + number[4:]  # no such calling code
        elif roll < 0.40:
            number = number[1:]  # digits only, as number lists carry them
        elif roll < 0.50:
            number = f"{number[:3]} {number[3:7]} {number[7:]}"
        out.append(number)
    return out


def baseline(items: list[str]) -> int:
    """(a) The bare library loop: parse, validate, find the region."""
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


def parse_only(items: list[str]) -> int:
    """(b) Our parser alone."""
    valid = 0
    for text in items:
        try:
            parse_phone(text)
        except PhoneNumberError:
            continue
        valid += 1
    return valid


def domain_path(items: list[str]) -> int:
    """(c) What accepting a message costs in the domain layer: parse, segment, price."""
    priced = 0
    for i, text in enumerate(items):
        try:
            number = parse_phone(text)
        except PhoneNumberError:
            continue
        if number.country == "CN":
            split = segment_domestic(SIGNATURE, DOMESTIC_BODIES[i % len(DOMESTIC_BODIES)])
        else:
            split = segment(TEXTS[i % len(TEXTS)])
        price_micros(split.segments, UNIT_PRICE_MICROS)
        priced += 1
    return priced


def timed(fn, items: list[str]) -> tuple[int, float, float]:
    """(result, CPU seconds, wall seconds)."""
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    result = fn(items)
    return result, time.process_time() - start_cpu, time.perf_counter() - start_wall


def traced_peak(fn, items: list[str]) -> int:
    tracemalloc.start()
    try:
        fn(items)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1e6 if sys.platform == "darwin" else rss / 1e3  # bytes on macOS, KiB on Linux


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="numbers per loop")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    items = numbers(args.count, args.seed)
    baseline(items[:2_000])  # warm up: phonenumbers loads region metadata on first use
    loops = [("(a) phonenumbers parse + is_valid + region", baseline),
             ("(b) parse_phone", parse_only),
             ("(c) parse_phone + segment + price", domain_path)]
    results = [(label, *timed(fn, items)) for label, fn in loops]
    peak = traced_peak(domain_path, items[:10_000])

    print(f"{len(items):,} numbers over {len(REGIONS)} regions, one core, Python {sys.version.split()[0]}, "
          f"phonenumbers {phonenumbers.__version__}")
    for label, result, cpu, wall in results:
        print(f"  {label:44} {len(items) / cpu:9,.0f} numbers/s   CPU {cpu:6.2f} s  wall {wall:6.2f} s"
              f"  ({result:,} {'priced' if label.startswith('(c)') else 'valid'})")
    base_cpu, parse_cpu, full_cpu = (cpu for _, _, cpu, _ in results)
    print(f"  cost per number relative to (a): (b) {parse_cpu / base_cpu:.2f}x, (c) {full_cpu / base_cpu:.2f}x"
          f"   [throughput (c)/(a) = {base_cpu / full_cpu:.2f}]")
    print(f"  memory: peak traced allocations in (c) over 10k numbers {peak / 1e6:.2f} MB; "
          f"process max RSS {max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
