"""Reading time-ordered partitions newest first, a page at a time (pure: no AWS).

Items are ordered by a *time key*, ``<created ISO, ms>Z#<id>``: unique, and sorted as the
times are. A listing reads several partitions of an index (an account's day is spread over
shards, a task over its shards) and merges them into one stream, newest first, with a
*budget* of reads per API page: when the budget runs out the stream ends with ``Resume`` at a
position that the next page starts strictly below, so nothing is skipped or repeated.
``services.message_log`` plugs DynamoDB queries into ``Partition.read_page``; the exports
and the archive can plug in their own readers.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, Protocol, TypeVar

MAX_PAGE_SIZE = 1000  # items one Query asks for at most (DynamoDB also stops at 1 MB)


class Keyed(Protocol):
    ckey: str


#: ``read_page(page_size) -> (matching items newest first, ckey of DynamoDB's
#: LastEvaluatedKey or None at the end, items examined)``: one Query call.
K = TypeVar("K", bound=Keyed)
PageReader = Callable[[int], "tuple[list[K], str | None, int]"]


def ckey(created_at: datetime, item_id: str) -> str:
    """The time key of an item created at ``created_at`` (aware, UTC) with id ``item_id``."""
    return f"{created_at.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z#{item_id}"


def take_page(stream: Iterator[K | Resume], limit: int) -> tuple[list[K], str | None]:
    """Up to ``limit`` items of ``stream`` and the position the next page starts strictly
    below: the last item's ``ckey`` when the page is full, Resume's position when the budget
    ran out, None when the stream ended."""
    items: list[K] = []
    for entry in stream:
        if isinstance(entry, Resume):
            return items, entry.before
        items.append(entry)
        if len(items) == limit:
            return items, entry.ckey
    return items, None



def first_page_size(limit: int, partitions: int, filtered: bool) -> int:
    """Items each partition is asked for first: its expected share of the page with 50 %
    headroom (ids hash evenly over shards), plus one since the merge must see one item past
    the page to order it; twice that when filters drop an unknown share of what is read.
    Never more than the page plus one. A partition that runs short doubles its next ask, so
    a rare filter costs a few more calls rather than every page reading 8 full pages."""
    share = math.ceil(limit * 1.5 / partitions) + 1
    return min(limit + 1, 2 * share if filtered else share, MAX_PAGE_SIZE)



@dataclass(frozen=True)
class Resume:
    """The budget ran out: everything at or above ``before`` has been yielded; the next page
    starts strictly below it."""
    before: str


@dataclass
class Budget:
    """What one API page may read; None is unbounded (exports)."""
    queries: int | None = None
    examined: int | None = None

    def charge(self, examined: int) -> None:
        if self.queries is not None:
            self.queries -= 1
        if self.examined is not None:
            self.examined -= examined

    @property
    def spent(self) -> bool:
        return (self.queries is not None and self.queries <= 0) or (self.examined is not None and self.examined <= 0)


@dataclass
class Partition(Generic[K]):
    """One index partition, read newest first a page at a time, within ``[floor, upper)``.

    Invariant: every item of the partition at or above ``frontier`` has been examined, and
    the matches among them not yet yielded are in ``buffer``, newest first."""
    read_page: PageReader[K]
    upper: str
    floor: str
    page_size: int
    frontier: str = field(init=False)
    buffer: deque[K] = field(init=False, default_factory=deque)
    fetched: bool = field(init=False, default=False)
    done: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.frontier = self.upper

    def fetch(self) -> int:
        """Read one page (one DynamoDB call); returns the number of items it examined."""
        items, last, examined = self.read_page(self.page_size)
        self.buffer.extend(item for item in items if item.ckey < self.upper)  # the key condition is inclusive
        self.fetched, self.done = True, last is None
        self.frontier = self.floor if last is None else last
        self.page_size = min(self.page_size * 2, MAX_PAGE_SIZE)
        return examined


def merge_newest_first(partitions: list[Partition[K]], budget: Budget) -> Iterator[K | Resume]:
    """A k-way merge of partitions into one stream, newest ``ckey`` first.

    Every partition's first page is read whatever the budget. After that, to yield the
    newest buffered item every unfinished partition must have one buffered, so a partition
    with an empty buffer reads its next page while the budget lasts. When it has run out,
    the position is the highest frontier of the unfinished partitions: everything at or
    above it has been examined everywhere, so the buffered matches above it are yielded (in
    order), then ``Resume`` at it. (Reading goes on, budget or not, in the one case where
    that position would not be below where the page started: every page makes progress.)"""
    for partition in partitions:
        if not partition.fetched:
            budget.charge(partition.fetch())
    while True:
        for partition in partitions:
            while not partition.buffer and not partition.done:
                position = _pause_position(partitions) if budget.spent else None
                if position is not None:
                    yield from _pause(partitions, position)
                    return
                budget.charge(partition.fetch())
        heads = [p for p in partitions if p.buffer]
        if not heads:
            return
        yield max(heads, key=lambda p: p.buffer[0].ckey).buffer.popleft()


def _pause_position(partitions: list[Partition[K]]) -> str | None:
    position = max(p.frontier for p in partitions if not p.done)
    return position if position < max(p.upper for p in partitions) else None


def _pause(partitions: list[Partition[K]], position: str) -> Iterator[K | Resume]:
    ready = [item for p in partitions for item in p.buffer if item.ckey >= position]
    yield from sorted(ready, key=lambda item: item.ckey, reverse=True)
    yield Resume(position)


def day_start_key(day: date) -> str:
    """The ``ckey`` bound below every message of ``day`` (UTC) and above every earlier one."""
    return ckey(datetime.combine(day, time(), tzinfo=UTC), "")


def days_newest_first(lower: str, upper: str) -> Iterator[tuple[date, str, str]]:
    """The UTC days holding ``ckey`` values in ``[lower, upper)``, newest first, each with
    its own ``[lower, upper)`` bounds."""
    day, oldest = date.fromisoformat(upper[:10]), date.fromisoformat(lower[:10])
    if upper <= day_start_key(day):
        day -= timedelta(days=1)
    while day >= oldest:
        day_lower, day_upper = max(lower, day_start_key(day)), min(upper, day_start_key(day + timedelta(days=1)))
        if day_lower < day_upper:
            yield day, day_lower, day_upper
        day -= timedelta(days=1)



def merge_days(days: Iterator[tuple[date, str, str]], partitions_of: Callable[[date, str, str], list[Partition[K]]],
               budget: Budget) -> Iterator[K | Resume]:
    """Day by day (newest first), each day's partitions merged. A day is started only while
    the budget lasts (the first always); otherwise Resume below the last finished day."""
    for n, (day, day_lower, day_upper) in enumerate(days):
        if n and budget.spent:
            yield Resume(day_upper)
            return
        for entry in merge_newest_first(partitions_of(day, day_lower, day_upper), budget):
            yield entry
            if isinstance(entry, Resume):
                return

