"""Who acts, and the audit events as the queries return them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from gateway.core.enum_values import member_of


class ActorKind(StrEnum):
    MEMBER = "MEMBER"
    API_KEY = "API_KEY"
    SERVICE = "SERVICE"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: a member, a partner API key, or the service (the service token, the
    broker, the demo loader, the delivery worker)."""

    kind: ActorKind
    id: str | None = None


SERVICE_ACTOR = Actor(ActorKind.SERVICE)


class Credential(Protocol):
    """What an actor is taken from (the verified ``Caller`` of a request)."""

    @property
    def member_id(self) -> str | None: ...

    @property
    def api_key_id(self) -> str | None: ...


def actor_of(credential: Credential) -> Actor:
    """The actor behind a verified credential: its member, else its API key, else the service."""
    if credential.member_id is not None:
        return Actor(ActorKind.MEMBER, credential.member_id)
    if credential.api_key_id is not None:
        return Actor(ActorKind.API_KEY, credential.api_key_id)
    return SERVICE_ACTOR


@dataclass(frozen=True, slots=True)
class AuditEventRecord:
    org_id: str
    id: str
    occurred_at: datetime
    actor_kind: ActorKind
    actor_id: str | None
    action: str
    target_type: str
    target_id: str
    before_json: str | None
    after_json: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "actor_kind", member_of(ActorKind, self.actor_kind))
