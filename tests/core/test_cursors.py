"""Signed cursors: they come back as made, and nothing else is accepted."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.core.cursors import CursorCodec, CursorError

SCOPE: list[Any] = ["org-1", "2025-01-01", "2025-02-01", "activity"]
POSITION: list[Any] = [12_345, "Backend engineer", "op-7"]


def _raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_round_trip() -> None:
    codec = CursorCodec("secret")
    cursor = codec.encode(scope=SCOPE, position=POSITION)
    assert codec.decode(cursor, scope=SCOPE) == POSITION
    # URL-safe and unpadded.
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor


def test_another_codec_with_the_same_secret_reads_it() -> None:
    cursor = CursorCodec("secret").encode(scope=SCOPE, position=POSITION)
    assert CursorCodec("secret").decode(cursor, scope=SCOPE) == POSITION


def test_another_secret_refuses_it() -> None:
    cursor = CursorCodec("secret").encode(scope=SCOPE, position=POSITION)
    with pytest.raises(CursorError):
        CursorCodec("other secret").decode(cursor, scope=SCOPE)


def test_an_altered_payload_is_refused() -> None:
    codec = CursorCodec("secret")
    raw = _raw(codec.encode(scope=SCOPE, position=[1, "a", "b"]))
    # Swap the position's 1 for a 9, keeping the original signature.
    forged = raw.replace(b"[1,", b"[9,")
    assert forged != raw
    with pytest.raises(CursorError, match="not valid"):
        codec.decode(_cursor(forged), scope=SCOPE)


def test_an_altered_signature_is_refused() -> None:
    codec = CursorCodec("secret")
    raw = bytearray(_raw(codec.encode(scope=SCOPE, position=POSITION)))
    raw[-1] ^= 0x01
    with pytest.raises(CursorError, match="not valid"):
        codec.decode(_cursor(bytes(raw)), scope=SCOPE)


@pytest.mark.parametrize(
    "other_scope",
    [
        ["org-2", "2025-01-01", "2025-02-01", "activity"],
        ["org-1", "2025-01-01", "2025-03-01", "activity"],
        ["org-1", "2025-01-01", "2025-02-01", "openings"],
        ["org-1", "2025-01-01", "2025-02-01"],
    ],
)
def test_a_cursor_of_another_scope_is_refused(other_scope: list[Any]) -> None:
    codec = CursorCodec("secret")
    cursor = codec.encode(scope=SCOPE, position=POSITION)
    with pytest.raises(CursorError, match="another organization"):
        codec.decode(cursor, scope=other_scope)


def test_a_signed_position_that_is_not_a_list_is_refused() -> None:
    codec = CursorCodec("secret")
    cursor = codec.encode(scope=SCOPE, position={"a": 1})  # type: ignore[arg-type]
    with pytest.raises(CursorError, match="not valid"):
        codec.decode(cursor, scope=SCOPE)


@pytest.mark.parametrize(
    "garbage",
    ["", "a", "abcde", "!!!!", "é", "not a cursor at all", _cursor(b"x" * 16), _cursor(b"[]")],
)
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(CursorError):
        CursorCodec("secret").decode(garbage, scope=SCOPE)


_json_scalar = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53), st.text(max_size=20), st.booleans(), st.none()
)


@settings(max_examples=100, deadline=None)
@given(position=st.lists(_json_scalar, max_size=5), org=st.text(min_size=1, max_size=10))
def test_round_trip_property(position: list[Any], org: str) -> None:
    codec = CursorCodec("k")
    scope = [org, "2025-01-01"]
    assert codec.decode(codec.encode(scope=scope, position=position), scope=scope) == position


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_single_byte_change_is_refused(data: st.DataObject) -> None:
    codec = CursorCodec("k")
    raw = bytearray(_raw(codec.encode(scope=SCOPE, position=POSITION)))
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    raw[index] ^= flip
    with pytest.raises(CursorError):
        codec.decode(_cursor(bytes(raw)), scope=SCOPE)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=80))
def test_random_text_is_refused(text: str) -> None:
    with pytest.raises(CursorError):
        CursorCodec("k").decode(text, scope=SCOPE)
