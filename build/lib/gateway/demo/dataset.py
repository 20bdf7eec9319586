"""The whole demo dataset for a given "now" (pure: the same inputs give the same data)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from gateway.demo.activity import (
    build_calls,
    build_interview_events,
    build_purchases,
    switch_instant,
)
from gateway.demo.people import build_members, build_openings, build_org
from gateway.demo.records import DemoDataset
from gateway.demo.specs import ORGS, SEED, SWITCH_ORG_ID


def build_dataset(now: datetime, *, scale: float = 1.0) -> DemoDataset:
    """The demo data for ``now`` (pure: the same ``now`` and ``scale`` give the same data)."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    now = now.astimezone(UTC)
    dataset = DemoDataset(now=now, orgs=[], members=[], openings=[])
    for number, spec in enumerate(ORGS):
        rng = random.Random(SEED + number)
        org = build_org(spec, now)
        members = build_members(rng, org, now)
        openings = build_openings(rng, org, now)
        switch_at = switch_instant(org, now) if spec.id == SWITCH_ORG_ID else None
        if switch_at is not None:
            dataset.switch_at = switch_at
        dataset.orgs.append(org)
        dataset.members.extend(members)
        dataset.openings.extend(openings)
        dataset.ai_calls.extend(build_calls(rng, org, members, now, scale, switch_at))
        events, charges = build_interview_events(rng, org, openings, now, scale)
        dataset.interview_events.extend(events)
        dataset.purchases.extend(build_purchases(rng, org, charges, now))
    return dataset
