"""api/payload.py: the one reader of untrusted bodies and parameters refuses what would
otherwise reach an encoder, a hash or a database as something it cannot take."""
from __future__ import annotations

import json

import pytest

from chalicelib.api import payload
from chalicelib.api.payload import check_params, check_query, parse_form, parse_json
from chalicelib.errors import ControlCharacter, InvalidRequest, LoneSurrogate, PayloadTooLarge


def _raw(value) -> bytes:
    return json.dumps(value).encode()  # ensure_ascii: a lone surrogate travels as "\ud800", as attackers send it


def _refused(raw: bytes, cls=Exception):
    with pytest.raises(cls) as caught:
        parse_json(raw)
    return caught.value


@pytest.mark.parametrize("value, field", [
    ({"text": "x\ud800y"}, "text"),
    ({"owner": {"name": "\udfff"}}, "owner.name"),
    ({"numbers": ["+447400123456", "+447400123457", "+4474\udc00"]}, "numbers[2]"),
    ({"items": [{"name": "ok"}, {"name": "a\ud83d"}]}, "items[1].name"),
])
def test_a_lone_surrogate_anywhere_is_a_400_naming_the_field(value, field):
    error = _refused(_raw(value), LoneSurrogate)
    assert (error.status, error.code, error.field) == (400, "invalid_request", field)
    assert "surrogate" in error.message
    json.dumps(error.message).encode()  # what the caller reads is encodable
    assert "\ud800" not in error.message


def test_a_lone_surrogate_in_a_key_is_named_with_it_escaped():
    error = _refused(_raw({"owner": {"x\ud800": "v"}}), LoneSurrogate)
    assert error.field == "owner.x\\ud800"
    error.field.encode("ascii")


def test_a_surrogate_pair_is_one_character_and_passes():
    assert parse_json(_raw({"text": "smile \U0001F600"})) == {"text": "smile \U0001F600"}
    assert parse_json(b'{"text": "\\ud83d\\ude00"}') == {"text": "\U0001F600"}


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"])
def test_control_characters_are_a_422_in_every_string(char):
    for value, field in (({"name": f"a{char}b"}, "name"), ({"text": f"a{char}b"}, "text"),
                         ({"owner": {"email": char}}, "owner.email"), ({"numbers": ["1", char]}, "numbers[1]")):
        error = _refused(_raw(value), ControlCharacter)
        assert (error.status, error.code, error.field) == (422, "invalid_value", field)
        assert f"U+{ord(char):04X}" in error.message


@pytest.mark.parametrize("field", sorted(payload.FREE_TEXT_FIELDS))
def test_free_text_fields_may_carry_line_breaks_and_tabs(field):
    assert parse_json(_raw({field: "line one\r\nline two\tend"})) == {field: "line one\r\nline two\tend"}


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_line_breaks_and_tabs_elsewhere_are_a_422(char):
    for value, field in (({"name": f"a{char}b"}, "name"), ({"owner": {"text": char}}, "owner.text")):
        assert _refused(_raw(value), ControlCharacter).field == field


def test_a_key_need_only_be_unicode_and_a_bad_value_under_it_is_named_escaped():
    # A key the route does not know is ignored; what it holds is still held to the rules.
    assert parse_json(_raw({"a\x00b": 1, "c\nd": True})) == {"a\x00b": 1, "c\nd": True}
    assert _refused(_raw({"a\x00b": "x\x01"}), ControlCharacter).field == "a\\x00b"
    assert _refused(_raw({"a\ud800": 1}), LoneSurrogate).field == "a\\ud800"


def test_bodies_over_the_cap_are_413_unread():
    at_cap = b'{"a": "' + b"x" * (payload.MAX_BODY_BYTES - 9) + b'"}'
    assert len(at_cap) == payload.MAX_BODY_BYTES
    assert parse_json(at_cap)["a"]
    error = _refused(at_cap + b" ", PayloadTooLarge)
    assert (error.status, error.code, error.field) == (413, "payload_too_large", "body")
    with pytest.raises(PayloadTooLarge):
        parse_form(b"a=" + b"x" * payload.MAX_BODY_BYTES)


def _nested(depth: int) -> bytes:
    return b'{"to": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def test_nesting_up_to_the_cap_passes_and_deeper_is_a_400():
    assert parse_json(_nested(payload.MAX_DEPTH))
    error = _refused(_nested(payload.MAX_DEPTH + 1), InvalidRequest)
    assert (error.status, error.field) == (400, "body") and "deeper" in error.message


def test_hostile_depth_is_a_400_not_a_recursion_error():
    error = _refused(_nested(100_000), InvalidRequest)
    assert (error.status, error.field) == (400, "body")


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": -Infinity}', b"{not json",
                                 b'{"a": 1', b"\xff\xfe\xfd"])
def test_what_is_not_json_is_a_400(raw):
    error = _refused(raw, InvalidRequest)
    assert (error.status, error.field) == (400, "body")


def test_form_and_query_parameters_follow_the_same_rules():
    assert parse_form(b"text=line%0Atwo&to=447400123456") == {"text": "line\ntwo", "to": "447400123456"}
    assert _form_error(b"text=a%00b").field == "text"
    assert _form_error(b"from=JMC%0ADemo").field == "from"
    assert _form_error(b"a%01=%02").field == "a\\x01"
    with pytest.raises(InvalidRequest):
        parse_form(b"to=\xff")
    with pytest.raises(LoneSurrogate) as caught:
        check_params({"status": "x\ud800"})
    assert caught.value.field == "status"
    with pytest.raises(ControlCharacter):
        check_params({"cursor": "\x7f"})
    check_params({"to": "+447400123456", "name": "冬季促销"})


def test_a_query_string_must_be_unicode_and_nothing_more():
    with pytest.raises(LoneSurrogate) as caught:
        check_query({"name": "x\ud800"})
    assert caught.value.field == "name"
    check_query({"name": "a\nb", "a\x01": "1", "cursor": "\x7f"})  # filters: they match nothing


def _form_error(raw: bytes):
    with pytest.raises(ControlCharacter) as caught:
        parse_form(raw)
    return caught.value
