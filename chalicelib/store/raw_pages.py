"""A fast read path for DynamoDB Query pages: raw JSON in, plain Python values out.

Exports read tens of millions of log rows. Through botocore a Query page (870 KB, 2,500
messages) costs ~77 ms of parsing against its output shape, plus ~91 ms of
``TypeDeserializer``; ``json.loads`` and one flatten of the typed values do the same work
in a fraction of that (``bench/bench_decode.py`` measures it).

How: a dedicated botocore DynamoDB client (one per process; botocore clients are
thread-safe) carries a ``before-parse.dynamodb.Query`` handler. For a 200 response it moves
the raw body into ``customized_response_dict`` (a dict botocore makes for each request and
merges into that request's result) and leaves botocore ``{}`` to parse, so botocore's shape
parser never walks the items. Nothing is kept between requests, so concurrent queries on the
same client each get their own body. Errors (any other status) are left alone: botocore
parses them, retries them (standard mode) and raises the usual ``ClientError``.

``before-parse`` and ``customized_response_dict`` are botocore internals (``endpoint.py``,
``Endpoint._do_get_response``): botocore is pinned in requirements.txt, and
tests/service/test_raw_pages.py checks the hook against PynamoDB's own reads.

The request is built by PynamoDB's own ``Connection.query`` (key condition, filter,
placeholders), stopped before it is sent. Items come back keyed by their DynamoDB attribute
names, as :class:`RawItem` (a dict with a ``ckey`` property, as the timeline merge reads it).
"""
from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import boto3
from botocore.config import Config
from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import Index
from pynamodb.models import Model

from ..config import settings

#: As ``..aws``'s clients: standard retry mode, throttling and 5xx retried with backoff
#: (botocore reads ``max_attempts`` as retries: 4 attempts in all).
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
#: Where the hook puts the raw body in the client's result (no Query output member is named so).
RAW_BODY = "JmcRawBody"
MAX_PAGE_SIZE = 1000

Typed = dict[str, Any]  # one DynamoDB attribute value: {"S": "..."}, {"N": "12"}, ...
Number = int | Decimal


class RawItem(dict[str, Any]):
    """One item: attribute name -> plain value. A dict, with ``ckey`` (the time key every
    message index sorts by) readable as an attribute, as ``domain.timeline`` reads items."""
    __slots__ = ()

    @property
    def ckey(self) -> str:
        value: str = self["ckey"]
        return value

    @ckey.setter
    def ckey(self, value: str) -> None:
        self["ckey"] = value


@dataclass(frozen=True, slots=True)
class RawPage:
    """One Query page. ``last_key``: DynamoDB's LastEvaluatedKey as botocore would give it
    (typed, binary values as bytes), to pass back as ``start_key``; None on the last page.
    ``count``: items that matched the filter (``len(items)``); ``scanned``: items read."""
    items: list[RawItem]
    last_key: dict[str, Typed] | None
    count: int
    scanned: int


# --- flattening: typed DynamoDB JSON -> plain values ------------------------------------------

def to_number(text: str) -> Number:
    """A DynamoDB number: int when integral ("12", "1.0", "1E+3"), else Decimal (exact)."""
    try:
        return int(text)
    except ValueError:
        value = Decimal(text)
        return int(value) if value == value.to_integral_value() else value


def _map(value: dict[str, Typed]) -> dict[str, Any]:
    return {name: flatten_value(typed) for name, typed in value.items()}


def _list(value: list[Typed]) -> list[Any]:
    return [flatten_value(typed) for typed in value]


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "S": str,
    "N": to_number,
    "BOOL": bool,
    "NULL": lambda _true: None,
    "M": _map,
    "L": _list,
    "SS": set,
    "NS": lambda values: {to_number(v) for v in values},
    "B": base64.b64decode,
    "BS": lambda values: {base64.b64decode(v) for v in values},
}


def flatten_value(typed: Typed) -> Any:
    """One typed value (as DynamoDB's JSON has it: binary as base64 text) as a plain one."""
    if "S" in typed:
        return typed["S"]
    ((tag, value),) = typed.items()
    return _CONVERTERS[tag](value)


def flatten_item(raw: dict[str, Typed]) -> RawItem:
    """One item of DynamoDB's JSON as a RawItem, built in place (no intermediate dict).

    The hot loop of an export: strings and numbers (nearly every attribute of a message)
    are tested for by membership first, which measured ~1.3-2x faster than unpacking each
    ``{tag: value}`` pair (bench/bench_decode.py's page)."""
    item = RawItem()
    for name, typed in raw.items():
        if "S" in typed:
            item[name] = typed["S"]
        elif "N" in typed:
            text = typed["N"]
            try:
                item[name] = int(text)
            except ValueError:
                item[name] = to_number(text)
        else:
            ((tag, value),) = typed.items()
            item[name] = _CONVERTERS[tag](value)
    return item


def _key(raw: dict[str, Typed] | None) -> dict[str, Typed] | None:
    """LastEvaluatedKey as botocore parses it: binary key values decoded to bytes (given
    back as ExclusiveStartKey, botocore base64-encodes them again)."""
    if raw is None:
        return None
    return {name: ({"B": base64.b64decode(typed["B"])} if "B" in typed else typed) for name, typed in raw.items()}


def parse_page(body: bytes | str) -> RawPage:
    """A Query response body (DynamoDB's JSON) as a RawPage."""
    data = json.loads(body)
    items = [flatten_item(raw) for raw in data.get("Items", ())]
    return RawPage(items, _key(data.get("LastEvaluatedKey")), data.get("Count", len(items)),
                   data.get("ScannedCount", len(items)))


# --- the client --------------------------------------------------------------------------------

def _take_raw_body(response_dict: dict[str, Any], customized_response_dict: dict[str, Any],
                   **_kwargs: Any) -> None:
    """``before-parse.dynamodb.Query``: a 200's body goes to this request's own result, and
    botocore parses ``{}``. Any other status is botocore's to parse, retry and raise."""
    if response_dict.get("status_code") == 200:
        customized_response_dict[RAW_BODY] = response_dict["body"]
        response_dict["body"] = b"{}"


_client_lock = threading.Lock()
_client: Any = None


def raw_client() -> Any:
    """The process's DynamoDB client for raw Query pages (made once, thread-safe). Its
    Query results carry the raw body under ``RAW_BODY`` and no parsed items: don't lend it
    to code that expects botocore's output. AWS_ENDPOINT_URL is honoured by boto3 itself."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                made = boto3.session.Session().client("dynamodb", region_name=settings().region, config=_CONFIG)
                made.meta.events.register("before-parse.dynamodb.Query", _take_raw_body,
                                          unique_id="jmc-raw-query-body")
                _client = made
    return _client


def reset() -> None:
    """Forget the client (tests that switch emulators or settings)."""
    global _client
    with _client_lock:
        _client = None


# --- the request: PynamoDB's own serialisation -------------------------------------------------

class _RequestBuilder(Connection):
    """PynamoDB's ``Connection.query``, stopped at ``dispatch``: it returns the Query
    parameters PynamoDB would send (KeyConditionExpression, FilterExpression and their
    placeholders, IndexName, Limit, ...). Never makes a botocore client."""

    def dispatch(self, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        return operation_kwargs


_builders: dict[str, _RequestBuilder] = {}
_builders_lock = threading.Lock()


def _builder(model: type[Model]) -> _RequestBuilder:
    table = model.Meta.table_name
    builder = _builders.get(table)
    if builder is None:
        with _builders_lock:
            builder = _builders.get(table)
            if builder is None:
                builder = _RequestBuilder(region=settings().region)
                # The schema PynamoDB derives from the model (no DescribeTable)
                builder.add_meta_table(model._get_connection().get_meta_table())
                _builders[table] = builder
    return builder


def _target(source: type[Model] | Index[Any]) -> tuple[type[Model], str | None]:
    """The model and index name of a Query source (PynamoDB types ``Index._model`` as an
    instance; it holds the model class)."""
    if isinstance(source, Index):
        return cast("type[Model]", source._model), source.Meta.index_name
    return source, None


def _hash_key_value(model: type[Model], key_name: str, hash_key: Any) -> Any:
    """``hash_key`` serialised by the model's attribute of that name, as PynamoDB's query does."""
    for attr in model.get_attributes().values():
        if attr.attr_name == key_name:
            return attr.serialize(hash_key)
    raise ValueError(f"{model.__name__} has no attribute {key_name!r}")


def query_request(source: type[Model] | Index[Any], hash_key: Any, range_key_condition: Condition | None = None,
                  filter_condition: Condition | None = None, *, scan_forward: bool = False,
                  limit: int = MAX_PAGE_SIZE, start_key: dict[str, Typed] | None = None,
                  attributes: Sequence[str] | None = None, consistent_read: bool = False) -> dict[str, Any]:
    """The Query parameters for ``source`` (a model, or one of its indexes) as PynamoDB's
    ``query`` builds them: the hash key serialised by its attribute, conditions with their
    ``#n``/``:n`` placeholders; ``attributes`` (DynamoDB names) become a ProjectionExpression."""
    model, index_name = _target(source)
    builder = _builder(model)
    meta = builder.get_meta_table(model.Meta.table_name)
    key_name = meta.get_index_hash_keyname(index_name) if index_name else meta.hash_keyname
    request: dict[str, Any] = builder.query(
        model.Meta.table_name, _hash_key_value(model, key_name, hash_key), range_key_condition, filter_condition,
        attributes_to_get=list(attributes) if attributes else None, consistent_read=consistent_read,
        index_name=index_name, limit=limit, scan_index_forward=scan_forward)
    if start_key:
        request["ExclusiveStartKey"] = start_key
    return request


def query_page(source: type[Model] | Index[Any], hash_key: Any, range_key_condition: Condition | None = None,
               filter_condition: Condition | None = None, *, scan_forward: bool = False,
               limit: int = MAX_PAGE_SIZE, start_key: dict[str, Typed] | None = None,
               attributes: Sequence[str] | None = None, consistent_read: bool = False) -> RawPage:
    """One Query call (up to ``limit`` items read, DynamoDB also stops at 1 MB)."""
    request = query_request(source, hash_key, range_key_condition, filter_condition, scan_forward=scan_forward,
                            limit=limit, start_key=start_key, attributes=attributes,
                            consistent_read=consistent_read)
    return parse_page(raw_client().query(**request)[RAW_BODY])


def query_pages(source: type[Model] | Index[Any], hash_key: Any, range_key_condition: Condition | None = None,
                filter_condition: Condition | None = None, *, scan_forward: bool = False,
                page_size: int = MAX_PAGE_SIZE, start_key: dict[str, Typed] | None = None,
                attributes: Sequence[str] | None = None, consistent_read: bool = False) -> Iterator[RawPage]:
    """Every page of the Query, in order (newest first unless ``scan_forward``), from
    ``start_key`` (a page's ``last_key``) on. A page may hold no item (the filter dropped
    them all) and still not be the last."""
    request = query_request(source, hash_key, range_key_condition, filter_condition, scan_forward=scan_forward,
                            limit=page_size, start_key=start_key, attributes=attributes,
                            consistent_read=consistent_read)
    client = raw_client()
    while True:
        page = parse_page(client.query(**request)[RAW_BODY])
        yield page
        if page.last_key is None:
            return
        request["ExclusiveStartKey"] = page.last_key
