"""Count the messages logged before issue 15 into the report aggregates (a one-off job; safe
to run again: each run SETs the same values).

    JMC_STAGE=dev JMC_RESOURCE_PREFIX=jmc-dev .venv/bin/python -m scripts.backfill_reports \
        [--segments 0-7,9] [--workers 8]

The AWS credentials and region are the environment's (as for any boto3 tool). The same job
runs in AWS as the ``backfill_reports`` Lambda function (``chalicelib/jobs/reports.py``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def segment_list(text: str) -> list[int]:
    """``0-7,9`` as [0, 1, ..., 7, 9]."""
    found: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        found.extend(range(int(first), int(last or first) + 1))
    return found


def main(argv: list[str] | None = None) -> int:
    from chalicelib.services import reports
    from chalicelib.store.reports import BACKFILL_SEGMENTS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=segment_list, default=None,
                        help=f"scan segments to do (0-{BACKFILL_SEGMENTS - 1}; default all)")
    parser.add_argument("--workers", type=int, default=8, help="segments scanned at a time (default 8)")
    args = parser.parse_args(argv)
    print(json.dumps(reports.backfill(args.segments, workers=args.workers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
