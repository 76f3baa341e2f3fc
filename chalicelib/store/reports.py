"""The reports table (报告下载, issue 15): daily and monthly aggregates of the message log,
written in the same transaction as the message write they count (``services.messages``,
``services.fanout``), read by ``services.reports``; never a scan of messages on a request.

Keys:

- ``pk = <account id>#<shard>``: ``REPORT_SHARDS`` partitions per account. A live write goes
  to the shard a hash of its message id picks (a slice of a task: its first message's), so
  an account's busiest day is spread over that many keys.
- ``sk = D#<YYYY-MM-DD>#<type>#<country>#<user>`` for a day and ``M#<YYYY-MM>#...`` for its
  month; both are written by every addition, so a range reads whole months from month items
  and only its ragged ends from day items: one ``between`` Query per run and shard.
- Backfilled items (messages logged before issue 15) append ``#B<segment>``: one per scan
  segment of the one-off job, each SET to that segment's recount (a rerun writes the same
  values), beside the live items, which only ever ADD.

Attributes: ``total``, ``delivered``, ``failed`` (``domain.report_counts``).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.report_counts import DAY, FIELDS, MONTH, CountKey, Period, user_of
from .base import table_meta
from .messages import Message, shard_of

#: Partitions per account. Raise it, never lower it: reads cover shards 0..REPORT_SHARDS-1.
REPORT_SHARDS = 4
#: Scan segments of the backfill. Fixed: each segment SETs items of its own, so a rerun with
#: another count would leave the first run's items beside the new ones.
BACKFILL_SEGMENTS = 32


class ReportCount(Model):
    """One aggregate: a day's or a month's messages of one type, country and user."""
    Meta = table_meta("reports")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    total = NumberAttribute(default=0)
    delivered = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)


def partition(account_id: str, shard: int) -> str:
    return f"{account_id}#{shard}"


def item_sks(key: CountKey, suffix: str = "") -> tuple[str, str]:
    """The day item's and the month item's sort keys of ``key``."""
    rest = f"{key.type}#{key.country}#{key.user}{suffix}"
    return f"{DAY}#{key.day}#{rest}", f"{MONTH}#{key.month}#{rest}"


def dimensions(item: ReportCount) -> tuple[str, str, str]:
    """(type, country, user) of an item, read from its sort key."""
    _, _, kind, country, user, *_ = item.sk.split("#")
    return kind, country, user


def key_of(message: Message) -> CountKey | None:
    """What ``message`` counts on; None for a message logged before issue 15 (no
    ``report_day``): the backfill counts those."""
    if not message.report_day:
        return None
    return CountKey(message.report_day, message.type, message.country,
                    user_of(message.source, message.user_id, message.app_id))


# --- writes -----------------------------------------------------------------------------------

def add_in(tx: TransactWrite, account_id: str, shard_key: str, key: CountKey, amounts: Mapping[str, int]) -> None:
    """In ``tx``: ADD ``amounts`` to ``key``'s day and month items, in the shard ``shard_key``
    (a message id) hashes to. A transaction touches an item once: group additions first
    (``report_counts.grouped``)."""
    pk = partition(account_id, shard_of(shard_key, REPORT_SHARDS))
    for sk in item_sks(key):
        tx.update(ReportCount(pk, sk), actions=[getattr(ReportCount, name).add(amount)
                                                for name, amount in amounts.items() if amount])


def set_backfilled(account_id: str, segment: int, counts: Mapping[CountKey, Mapping[str, int]]) -> int:
    """Write one backfill segment's recount of an account (per day key; the month items are
    their sums), each item PUT whole, so a rerun writes the same values; how many items."""
    items: dict[str, dict[str, int]] = {}
    for key, amounts in counts.items():
        for sk in item_sks(key, f"#B{segment:02d}"):
            sums = items.setdefault(sk, dict.fromkeys(FIELDS, 0))
            for name in FIELDS:
                sums[name] += int(amounts.get(name, 0))
    pk = partition(account_id, segment % REPORT_SHARDS)
    with ReportCount.batch_write() as batch:
        for sk, sums in items.items():
            batch.save(ReportCount(pk, sk, total=sums["total"], delivered=sums["delivered"], failed=sums["failed"]))
    return len(items)


# --- reads ------------------------------------------------------------------------------------

def read(account_id: str, shard: int, period: Period) -> Iterator[ReportCount]:
    """The items of one shard in one run of days or months (live and backfilled)."""
    # "#" sorts before "$": every sk of the last day or month is below "<kind>#<last>$".
    condition = ReportCount.sk.between(f"{period.kind}#{period.first}#", f"{period.kind}#{period.last}$")
    return ReportCount.query(partition(account_id, shard), condition)
