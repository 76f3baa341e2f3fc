"""The voice call log (通话记录): one item per call on an account's numbers, and the
reconciliation watermark (``pk``/``sk``).

- ``pk=<account>, sk=CALL#<uuid>``: a call, as folded from the carrier's events and its call
  records (``domain.call_events``). ``acct=<account>`` and ``tkey=<placed at>#<uuid>`` key the
  ``account-time-index`` the log is read from, newest first; ``placed at`` is the earliest time
  known for the call until its ``start_time`` is known, then that (the key moves once).
  Every write is conditional on the ``version`` it read, so two events of one call folded at
  the same moment cannot lose each other's fields.
- ``pk=RECONCILE, sk=<name>``: how far reconciliation has read the carrier's call records
  (``until``), moved only by a pass that read everything from where the last one stood.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.pagination import PageIterator

from ..domain.call_events import CallRecord
from ..domain.timeline import ckey
from .base import get_item, save_if_new, table_meta, update_if, utcnow

CALL_PREFIX = "CALL#"
RECONCILE = "RECONCILE"


class AccountTimeIndex(GlobalSecondaryIndex["Call"]):
    class Meta:
        index_name = "account-time-index"
        projection = AllProjection()
    acct = UnicodeAttribute(hash_key=True)
    tkey = UnicodeAttribute(range_key=True)


class Call(Model):
    """One call. ``number`` is ours (the called number inbound, the caller outbound); ``rate``
    and ``price`` are the carrier's decimal strings in ``domain.call_events.CURRENCY``."""
    Meta = table_meta("calls")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    uuid = UnicodeAttribute()
    number = UnicodeAttribute()
    direction = UnicodeAttribute()
    status = UnicodeAttribute()
    first_seen = UTCDateTimeAttribute()
    conversation_uuid = UnicodeAttribute(null=True)
    from_number = UnicodeAttribute(null=True)
    to_number = UnicodeAttribute(null=True)
    start_time = UTCDateTimeAttribute(null=True)
    end_time = UTCDateTimeAttribute(null=True)
    duration = NumberAttribute(null=True)
    rate = UnicodeAttribute(null=True)
    price = UnicodeAttribute(null=True)
    network = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute(default=utcnow)
    updated_at = UTCDateTimeAttribute(default=utcnow)

    acct = UnicodeAttribute()
    tkey = UnicodeAttribute()
    by_time = AccountTimeIndex()

    @property
    def account_id(self) -> str:
        return self.pk

    @property
    def record(self) -> CallRecord:
        """What the fold works on."""
        return CallRecord(uuid=self.uuid, direction=self.direction, status=self.status, first_seen=self.first_seen,
                          conversation_uuid=self.conversation_uuid, from_number=self.from_number,
                          to_number=self.to_number, start_time=self.start_time, end_time=self.end_time,
                          duration=None if self.duration is None else int(self.duration), rate=self.rate,
                          price=self.price, network=self.network)


class Watermark(Model):
    Meta = table_meta("calls")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    until = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(default=utcnow)


def call_sk(uuid: str) -> str:
    return CALL_PREFIX + uuid


def time_key(record: CallRecord) -> str:
    return ckey(record.placed_at, record.uuid)


_RECORD_ATTRIBUTES = ("status", "first_seen", "conversation_uuid", "from_number", "to_number", "start_time",
                      "end_time", "duration", "rate", "price", "network")


def _values(record: CallRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _RECORD_ATTRIBUTES}


# --- reading ---------------------------------------------------------------------------------

def get_call(account_id: str, uuid: str) -> Call | None:
    return get_item(Call, account_id, call_sk(uuid))


def calls_newest_first(account_id: str, lower: str, upper: str, condition: Condition | None,
                       page_size: int) -> PageIterator[dict[str, Any]]:
    """The account's calls with ``lower <= tkey <= upper``, newest first, read ``page_size``
    items a DynamoDB page: PynamoDB's page iterator (``last_evaluated_key`` says where a page
    stopped), for the caller to budget its reads."""
    return Call.by_time.query(account_id, Call.tkey.between(lower, upper), filter_condition=condition,
                              scan_index_forward=False, page_size=page_size).page_iter


# --- writing ---------------------------------------------------------------------------------

def add_call(account_id: str, number: str, record: CallRecord) -> bool:
    """Log a call first seen now; False (nothing written) if it is logged already."""
    call = Call(account_id, call_sk(record.uuid), uuid=record.uuid, number=number, direction=record.direction,
                acct=account_id, tkey=time_key(record), version=1, **_values(record))
    return save_if_new(call)


def update_call(call: Call, record: CallRecord) -> bool:
    """Write the folded ``record`` over ``call`` if nobody changed it since it was read;
    False (nothing written) if someone did."""
    values = {**_values(record), "tkey": time_key(record), "updated_at": utcnow(),
              "version": int(call.version) + 1}
    actions = [getattr(Call, name).set(value) if value is not None else getattr(Call, name).remove()
               for name, value in values.items()]
    return update_if(call, actions, Call.version == call.version)


def watermark(name: str) -> datetime | None:
    """How far reconciliation ``name`` has read (None before its first complete pass)."""
    item = get_item(Watermark, RECONCILE, name)
    return item.until if item else None


def move_watermark(name: str, previous: datetime | None, until: datetime) -> bool:
    """Set the watermark to ``until`` if it still stands at ``previous`` (where the pass that
    moves it began); False if another pass moved it meanwhile."""
    item = Watermark(RECONCILE, name, until=until, updated_at=utcnow())
    if previous is None:
        return save_if_new(item)
    return update_if(item, [Watermark.until.set(until), Watermark.updated_at.set(utcnow())],
                     Watermark.until == previous)
