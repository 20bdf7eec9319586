"""What the audit log keeps of a record: camelCase values, amounts as decimals, secrets never."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from gateway.audit.actions import (
    MEMBER_CREATED,
    MEMBER_RESTORED,
    MEMBER_ROLE_CHANGED,
    MEMBER_UPDATED,
    member_action,
)
from gateway.audit.records import Actor, ActorKind, actor_of
from gateway.audit.snapshots import SECRET_MARKER, from_json, snapshot, to_json
from gateway.orgs.credentials import SERVICE_CALLER, Caller, CredentialKind
from gateway.orgs.enums import Role


@dataclass(frozen=True)
class _Endpoint:
    org_id: str
    id: str
    secret: str
    previous_secret: str | None
    url: str
    updated_at: datetime


def test_secrets_are_replaced_by_the_marker_wherever_they_are() -> None:
    row = _Endpoint(
        "acme",
        "ep_1",
        "whsec_abc",
        None,
        "https://hooks.example.com/in",
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert snapshot(row) == {
        "id": "ep_1",
        "secret": SECRET_MARKER,
        "previousSecret": None,
        "url": "https://hooks.example.com/in",
    }
    values = {
        "key_hash": "0123abcd",
        "token": "eyJ...",
        "name": "ugk_0011_looks-like-a-key",
        "nested": {"signingSecret": "x", "list": ["whsec_zz", "plain"]},
        "key": "anything",
    }
    text = to_json(snapshot(values))
    assert text is not None
    for secret in ("0123abcd", "eyJ", "ugk_0011", "whsec_zz", '"x"', "anything"):
        assert secret not in text
    assert from_json(text) == {
        "keyHash": SECRET_MARKER,
        "token": SECRET_MARKER,
        "name": SECRET_MARKER,
        "nested": {"signingSecret": SECRET_MARKER, "list": [SECRET_MARKER, "plain"]},
        "key": SECRET_MARKER,
    }


def test_urls_lose_their_query_and_credentials() -> None:
    values = {
        "url": "https://bot:s3cret@hooks.example.com:8443/in/T0/B0?token=abc#frag",
        "callback_url": "https://hooks.example.com/in",
    }
    assert snapshot(values) == {
        "url": f"https://{SECRET_MARKER}@hooks.example.com:8443/in/T0/B0?{SECRET_MARKER}",
        "callbackUrl": "https://hooks.example.com/in",
    }


def test_amounts_dates_and_enums_read_as_the_api_writes_them() -> None:
    values = {
        "credits_per_period_e4": 4_000_000,
        "rollover_cap_e4": None,
        "effective_from": date(2026, 12, 1),
        "role": Role.ADMIN,
        "permissions": {"credits:view", "alerts:manage"},
    }
    assert snapshot(values) == {
        "creditsPerPeriod": "400.0000",
        "rolloverCap": None,
        "effectiveFrom": "2026-12-01",
        "role": "ADMIN",
        "permissions": ["alerts:manage", "credits:view"],
    }
    assert snapshot(None) is None


def test_the_actor_comes_from_the_credential() -> None:
    member = Caller(org_id="acme", permissions=frozenset(), member_id="boss")
    key = Caller(
        org_id="acme", permissions=frozenset(), kind=CredentialKind.API_KEY, api_key_id="k1"
    )
    assert actor_of(member) == Actor(ActorKind.MEMBER, "boss")
    assert actor_of(key) == Actor(ActorKind.API_KEY, "k1")
    assert actor_of(SERVICE_CALLER) == Actor(ActorKind.SERVICE, None)


@dataclass(frozen=True)
class _Member:
    role: Role
    removed: bool


def test_member_actions() -> None:
    after = {"role": Role.ADMIN}
    assert member_action(None, after) == MEMBER_CREATED
    assert member_action(_Member(Role.ADMIN, True), after) == MEMBER_RESTORED
    assert member_action(_Member(Role.STAFFING, False), after) == MEMBER_ROLE_CHANGED
    assert member_action(_Member(Role.ADMIN, False), after) == MEMBER_UPDATED
