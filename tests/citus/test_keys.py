"""The schema's side of Citus: every tenant table's keys start with its distribution column."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

from tests.citus.tables import REFERENCE, all_tables, distribution_columns


def test_every_table_is_distributed_or_a_reference_table() -> None:
    tables = set(all_tables())
    assert tables >= REFERENCE
    assert set(distribution_columns()) == tables - REFERENCE
    # The catalog has no organization column: were one added, the table belongs to a tenant.
    for name in REFERENCE:
        assert "org_id" not in all_tables()[name].c, name


def test_primary_and_unique_keys_start_with_the_distribution_column() -> None:
    # Citus enforces a primary key or unique constraint only when it contains the distribution
    # column; leading with it also keeps each key's index useful within one shard.
    for name, column in distribution_columns().items():
        table = all_tables()[name]
        keys = [list(table.primary_key.columns)]
        keys += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
        keys += [list(index.columns) for index in table.indexes if index.unique]
        for key in keys:
            assert key and key[0].name == column, f"{name}: key {[c.name for c in key]}"
