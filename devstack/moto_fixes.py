"""Fixes for moto as our local AWS, applied wherever moto runs (the local stack's server
and the in-process service tests). Each is emulator-only: DynamoDB itself behaves as our
code expects.

1. moto's DynamoDB backend is not thread-safe: ``transact_write_items`` copies tables while
   other request threads change them ("dictionary changed size during iteration" under
   concurrent sends). The emulator serialises its DynamoDB requests.
2. To roll a transaction back, moto deep-copies every table the transaction touches before
   applying it: the cost grows with the table, so each send got slower as the message log
   grew (a 10,000-number task became quadratic). We keep moto's transaction logic and
   replace only the snapshot: the items the transaction names are copied, and restored if
   it is cancelled.
3. moto's server routes every request under one lock and, inside it, lists moto's package
   folder (``list_of_moto_modules``, ~1.3 ms, often twice): the whole emulator could answer
   only a few hundred requests a second, whatever the number of threads. The list never
   changes while the server runs, so it is read once.
4. moto answers every Query by sorting the whole table (``Table.all_items``) and then
   keeping the wanted partition (or, for an index, the items with the index key). A sweep
   of the sparse pending index then sorted the whole message log every tick, and took
   60 % of the emulator's CPU during a 10,000-number task. The sort is redundant (moto
   sorts the results again), so during a Query ``all_items`` gives the table's items
   unsorted, or only the queried partition's for a table query.
5. moto's SES keeps no time for a sent email, and ``/local/outbox`` shows when each one was
   sent: the local stack's moto process stamps every stored email with ``sent_at`` (UTC,
   the carrier simulator's format), which ``/moto-api/data.json`` then lists with it.
6. moto keeps a reference to every model object it ever made, for its dashboard
   (``/moto-api/data.json``): every DynamoDB item version written or copied, every SQS
   message, S3 object, X-Ray segment, log event. In a long-running stack that memory is
   never freed, and ``data.json`` (which ``/local/outbox`` reads for emails) grew to
   list hundreds of thousands of them, so that late in a test session it took longer than
   the outbox waits. The local stack's moto process does not keep those per-record objects;
   it still keeps tables, queues, buckets, rules and SES's emails.
"""
from __future__ import annotations

import copy
import threading
import types
from datetime import UTC, datetime

_installed = False


def serialise_dynamodb() -> None:
    """Run one moto DynamoDB request at a time, with item-level transaction rollback
    (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.responses import DynamoHandler
    lock = threading.RLock()
    original = DynamoHandler.call_action

    def call_action(self):
        with lock:
            return original(self)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]  # patching moto is the point
    _snapshot_items_not_tables()
    _query_without_sorting_the_table()  # safe because requests are serialised above
    _installed = True


def speed_up_server() -> None:
    """moto's server reads its list of service modules once, not per request (idempotent)."""
    from moto import backends
    if getattr(backends, "_jmc_modules_cached", False):
        return
    modules = frozenset(backends.list_of_moto_modules())

    def list_of_moto_modules():
        return modules
    backends.list_of_moto_modules = list_of_moto_modules
    backends._jmc_modules_cached = True  # type: ignore[attr-defined]  # our mark on moto's module


def stamp_sent_emails() -> None:
    """Every email moto's SES stores gets ``sent_at`` (idempotent)."""
    from moto.ses import models
    for message_class in (models.Message, models.TemplateMessage, models.RawMessage):
        if getattr(message_class, "_jmc_stamped", False):
            continue
        message_class.__init__ = _stamping(message_class.__init__)  # type: ignore[method-assign]
        message_class._jmc_stamped = True  # type: ignore[union-attr]  # our mark on moto's class


# (service, class) of moto's per-record models: made by the thousand, never read from the
# dashboard by us.
_RECORDS = frozenset({
    ("dynamodb", "Item"), ("dynamodb", "StreamRecord"), ("sqs", "Message"),
    ("s3", "FakeKey"), ("s3", "FakeMultipart"), ("s3", "FakeDeleteMarker"),
    ("xray", "TraceSegment"), ("logs", "LogEvent"),
})


def keep_no_records() -> None:
    """moto's dashboard no longer keeps every record it made (idempotent)."""
    from moto.core.common_models import BaseModel
    if getattr(BaseModel, "_jmc_records_untracked", False):
        return
    tracked_new = BaseModel.__new__

    def new(cls, *args, **kwargs):
        if (cls.__module__.split(".")[1], cls.__name__) in _RECORDS:
            return object.__new__(cls)
        return tracked_new(cls, *args, **kwargs)
    BaseModel.__new__ = new  # type: ignore[method-assign]  # patching moto is the point
    BaseModel._jmc_records_untracked = True  # type: ignore[attr-defined]  # our mark on moto's class


def _stamping(init):
    def init_and_stamp(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.sent_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return init_and_stamp


def _snapshot_items_not_tables() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.exceptions import MockValidationException, TransactionCanceledException
    from moto.dynamodb.models.table import Table

    # The backend's own snapshot becomes the table itself (rolling back to it is a no-op) ...
    models.copy = types.SimpleNamespace(  # type: ignore[assignment]  # moto's module, patched
        deepcopy=lambda value, memo=None: value if isinstance(value, Table) else copy.deepcopy(value, memo))
    backend_class = models.DynamoDBBackend
    apply_transaction = backend_class.transact_write_items

    def transact_write_items(self, transact_items):
        # ... and the items it names are restored here instead.
        saved = [_saved_item(self, item) for item in transact_items]
        try:
            return apply_transaction(self, transact_items)
        except (TransactionCanceledException, MockValidationException):
            for table_name, key, before in reversed([s for s in saved if s is not None]):
                if before is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before)
            raise
    backend_class.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _query_without_sorting_the_table() -> None:
    from moto.dynamodb.models.table import Table
    query = Table.query

    def query_reading_less(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        self.all_items = (lambda: _unsorted_items(self)) if index_name else (lambda: _partition(self, hash_key))
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items
    Table.query = query_reading_less  # type: ignore[method-assign]


def _unsorted_items(table) -> list:
    if table.range_key_attr:
        return [item for partition in table.items.values() for item in partition.values()]
    return list(table.items.values())


def _partition(table, hash_key) -> list:
    found = table.items.get(hash_key)
    if found is None:
        return []
    return list(found.values()) if table.range_key_attr else [found]


def _saved_item(backend, transact_item: dict):
    """(table, key, the item's attributes now or None) for one operation of a transaction."""
    try:
        _, op = next(iter(transact_item.items()))
        table = backend.get_table(op["TableName"])
        if "Key" in op:
            key = op["Key"]
        else:
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        current = backend.get_item(op["TableName"], key)
    except Exception:  # noqa: BLE001 - malformed: moto's own validation will answer it
        return None
    return op["TableName"], key, (copy.deepcopy(current.to_json()["Attributes"]) if current else None)
