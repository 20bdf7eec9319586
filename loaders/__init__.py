"""Dataloaders, built per request and scoped to the caller's organization."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.db import Database
from loaders.catalog import AiModelLoader
from loaders.members import MemberLoader
from loaders.openings import OpeningLoader


@dataclass(frozen=True)
class Loaders:
    members: MemberLoader
    models: AiModelLoader
    openings: OpeningLoader


def build_loaders(db: Database, *, org_id: str) -> Loaders:
    return Loaders(
        members=MemberLoader(db, org_id=org_id),
        models=AiModelLoader(db),
        openings=OpeningLoader(db, org_id=org_id),
    )
