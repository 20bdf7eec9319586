"""How the schema would be laid out on Citus: tenant tables by organization, the catalog copied.

Derived from the models' metadata, so a new table is classified by its columns: a table with an
``org_id`` column is distributed by it; the few tables without one are listed here.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel

import gateway.storage.models  # noqa: F401  (registers the tables)

# The shared catalog: small, read by every organization, written by operators. Citus copies a
# reference table to every node, so a join with any shard stays local.
# ``raw_retention`` is one row per raw table, written by the operator's retention command.
REFERENCE = frozenset({"ai_models", "model_prices", "role_permissions", "raw_retention"})
# ``organizations`` keys its tenant by ``id``; distributed by it, colocated with the rest.
DISTRIBUTION_COLUMN_OVERRIDES = {"organizations": "id"}


def all_tables() -> dict[str, Table]:
    return dict(SQLModel.metadata.tables)


def distribution_columns() -> dict[str, str]:
    """Every tenant table and the column Citus would distribute it by."""
    out: dict[str, str] = {}
    for name, table in all_tables().items():
        if name in REFERENCE:
            continue
        out[name] = DISTRIBUTION_COLUMN_OVERRIDES.get(name, "org_id")
        if out[name] not in table.c:
            raise ValueError(f"{name} has no tenant column; list it as a reference table")
    return out
