"""Batches validated from the bytes answer as the JSON-first parsing did: bad JSON 400, a body
that is no list of events 422, every bad event by its index and field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.core.errors import InvalidInput
from gateway.usage.inputs import AiCallIn
from gateway.web.errors import ApiError
from gateway.web.v1.batches import BatchReader
from tests.support import ai_call

READER = BatchReader(AiCallIn)


def _problems(body: bytes) -> list[tuple[Any, ...]]:
    with pytest.raises(InvalidInput) as caught:
        READER.parse(body)
    assert caught.value.batch
    return [(p.index, p.field, p.message) for p in caught.value.problems]


def test_both_shapes_and_whitespace() -> None:
    events = [ai_call("a"), ai_call("b")]
    bare = READER.parse(json.dumps(events).encode())
    wrapped = READER.parse(b" \n\t" + json.dumps({"events": events}).encode())
    assert [e.event_id for e in bare] == [e.event_id for e in wrapped] == ["a", "b"]


def test_what_is_no_list_of_events() -> None:
    expected = [(None, "events", "expected a list of events")]
    for body in [{"x": 1}, {"events": "x"}, {"events": [ai_call("a")], "more": 1}, "x", 3]:
        assert _problems(json.dumps(body).encode()) == expected, body
    assert _problems(b"[]") == [(None, "events", "the batch is empty")]
    assert _problems(b'{"events": []}') == [(None, "events", "the batch is empty")]


def test_bad_events_are_named_by_index_and_field() -> None:
    events = [ai_call("a"), {**ai_call("b"), "inputTokens": -1}, 7, {**ai_call("c"), "x": 1}]
    for body in (events, {"events": events}):
        found = {(index, field) for index, field, _ in _problems(json.dumps(body).encode())}
        assert found == {(1, "inputTokens"), (2, None), (3, "x")}, body


@pytest.mark.parametrize(
    "body",
    [b"[{", b"", b"\xff", b'[{"eventId": NaN}]', b'{"events": [Infinity]}', b"[1] [2]"],
)
def test_what_is_not_json_is_a_400(body: bytes) -> None:
    with pytest.raises(ApiError) as caught:
        READER.parse(body)
    assert caught.value.status == 400
