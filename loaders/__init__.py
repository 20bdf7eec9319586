"""Dataloaders, built per request and scoped to the caller's organization."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from gateway.catalog import service as catalog_service
from gateway.catalog.records import ModelRecord
from gateway.consumption import service as consumption_service
from gateway.consumption.records import OpeningRecord
from gateway.orgs import service as org_service
from gateway.orgs.records import MemberRecord
from gateway.storage.db import Database
from gateway.usage import service as usage_service
from gateway.usage.records import CallRecord
from loaders.base import KeyedLoader, RecordLoader


@dataclass(frozen=True)
class Loaders:
    members: RecordLoader[MemberRecord]
    models: RecordLoader[ModelRecord]
    openings: RecordLoader[OpeningRecord]
    # AI calls by event id (node and nodes refetch them).
    calls: KeyedLoader[CallRecord]


def _event_id(call: CallRecord) -> str:
    return call.event_id


def build_loaders(db: Database, *, org_id: str) -> Loaders:
    return Loaders(
        members=RecordLoader(partial(org_service.members_by_ids, db, org_id)),
        models=RecordLoader(partial(catalog_service.models_by_ids, db)),
        openings=RecordLoader(partial(consumption_service.openings_by_ids, db, org_id)),
        calls=KeyedLoader(partial(usage_service.calls_by_ids, db, org_id), _event_id),
    )
