"""Does a statement name its organization wherever it touches a tenant table?

Citus routes a statement to one shard when every distributed table it reads or writes is
filtered by an equality on its distribution column (``org_id = $1``), or joined to such a table
on that column (colocated). ``org_id IN (...)`` and ``org_id = ANY($1)`` are accepted as well:
Citus prunes to the shards of the listed organizations (a single-shard router query when they
all hash to one shard, otherwise a multi-shard statement it still runs correctly; the batch
writes of the ingest and the data-version bumps use these). A write supplies the column instead:
``INSERT``/``COPY`` route each row by its ``org_id``.

A predicate counts only where it restricts the rows: a conjunct of the ``WHERE`` or of a join's
``ON`` (not under ``OR``/``NOT``), in the table's own query or, for a correlated subquery, in the
enclosing one. CTEs, subqueries and each side of a ``UNION`` are checked as queries of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import sqlglot
from sqlglot import exp

_QUERY_NODES = (exp.Select, exp.Update, exp.Delete)


def _conjuncts(condition: exp.Expression | None) -> Iterator[exp.Expression]:
    if condition is None:
        return
    if isinstance(condition, exp.Paren):
        yield from _conjuncts(condition.this)
    elif isinstance(condition, exp.And):
        yield from _conjuncts(condition.this)
        yield from _conjuncts(condition.expression)
    else:
        yield condition


def _own_tables(node: exp.Expression) -> list[exp.Table]:
    """Tables named directly in this query's FROM/JOIN/USING (or the UPDATE/DELETE target)."""
    found: list[exp.Table] = []
    candidates: list[exp.Expression | None] = []
    if isinstance(node, exp.Select):
        from_ = node.args.get("from_")
        candidates.append(from_.this if from_ is not None else None)
    else:
        candidates.append(node.this)
        from_ = node.args.get("from_")
        if from_ is not None:
            candidates.append(from_.this)
        candidates.extend(node.args.get("using") or [])
    candidates.extend(join.this for join in node.args.get("joins") or [])
    for candidate in candidates:
        if isinstance(candidate, exp.Table):
            found.append(candidate)
    return found


def _conditions(node: exp.Expression) -> list[exp.Expression]:
    where = node.args.get("where")
    out = list(_conjuncts(where.this if where is not None else None))
    for join in node.args.get("joins") or []:
        out.extend(_conjuncts(join.args.get("on")))
    return out


def _is_value(node: exp.Expression) -> bool:
    """A constant for the statement: a parameter, literal, cast of one, or an array of them."""
    if isinstance(node, exp.Cast):
        return _is_value(node.this)
    if isinstance(node, exp.Paren):
        return _is_value(node.this)
    if isinstance(node, (exp.Literal, exp.Parameter, exp.Placeholder)):
        return True
    if isinstance(node, exp.Array):
        return all(_is_value(e) for e in node.expressions)
    return False


class _Query:
    """One SELECT/UPDATE/DELETE: its tenant tables by alias, which of them are routed."""

    def __init__(
        self, node: exp.Expression, parent: _Query | None, tenant: Mapping[str, str]
    ) -> None:
        self.node = node
        self.parent = parent
        self.tables: dict[str, exp.Table] = {}
        self.columns: dict[str, str] = {}
        for table in _own_tables(node):
            if table.name in tenant:
                alias = table.alias_or_name
                self.tables[alias] = table
                self.columns[alias] = tenant[table.name]
        # Subqueries in FROM/JOIN: their ``org_id`` is routed when everything inside is.
        self.derived: dict[str, exp.Expression] = {}
        for source in _sources(node):
            if isinstance(source, exp.Subquery) and source.alias:
                self.derived[source.alias] = source.this
                self.columns[source.alias] = "org_id"
        self.routed: set[str] = set()

    def resolve(self, column: exp.Column) -> tuple[_Query, str] | None:
        """The query and alias of the tenant table whose distribution column this is."""
        query: _Query | None = self
        while query is not None:
            if column.table:
                alias = column.table
                if alias in query.columns and query.columns[alias] == column.name:
                    return query, alias
                if _names_source(query.node, alias):
                    return None
            else:
                owners = [a for a, c in query.columns.items() if c == column.name]
                if len(owners) == 1:
                    return query, owners[0]
                if owners or _own_sources(query.node):
                    return None
            query = query.parent
        return None


def _own_sources(node: exp.Expression) -> bool:
    from_ = node.args.get("from_")
    return from_ is not None or bool(node.args.get("joins"))


def _sources(node: exp.Expression) -> list[exp.Expression]:
    sources: list[exp.Expression] = []
    from_ = node.args.get("from_")
    if from_ is not None:
        sources.append(from_.this)
    if not isinstance(node, exp.Select) and isinstance(node.this, exp.Table):
        sources.append(node.this)
    sources.extend(join.this for join in node.args.get("joins") or [])
    return sources


def _names_source(node: exp.Expression, alias: str) -> bool:
    """Whether this query has a source (any table or subquery) called ``alias``."""
    return any(getattr(source, "alias_or_name", None) == alias for source in _sources(node))


_Link = tuple[tuple["_Query", str], tuple["_Query", str]]


def _route(query: _Query) -> list[_Link]:
    """Mark what the predicates of ``query`` route by a value; return its column-to-column
    equalities on distribution columns (joins, correlations)."""
    links: list[_Link] = []
    for cond in _conditions(query.node):
        if isinstance(cond, exp.EQ):
            left, right = cond.this, cond.expression
            for a, b in ((left, right), (right, left)):
                if isinstance(a, exp.Column) and (hit := query.resolve(a)) is not None:
                    if _is_value(b) or (isinstance(b, exp.Any) and _is_value(b.this)):
                        hit[0].routed.add(hit[1])
                    elif isinstance(b, exp.Column) and (other := query.resolve(b)) is not None:
                        links.append((hit, other))
        elif isinstance(cond, exp.In) and isinstance(cond.this, exp.Column):
            hit = query.resolve(cond.this)
            values = cond.expressions
            # SQLAlchemy writes an empty list as ``IN (NULL) AND (1 != 1)``: it reads no shard.
            if (
                hit is not None
                and values
                and all(_is_value(v) or isinstance(v, exp.Null) for v in values)
            ):
                hit[0].routed.add(hit[1])
    return links


def _propagate(queries: list[_Query], links: list[_Link]) -> None:
    """A join on the distribution column routes the other side too (colocated tables), and
    a subquery in FROM whose every tenant table is routed routes its ``org_id`` column."""
    inside: dict[int, list[_Query]] = {}
    for query in queries:
        node = query.node.parent
        while node is not None:
            inside.setdefault(id(node), []).append(query)
            node = node.parent
    changed = True
    while changed:
        changed = False
        for query in queries:
            for alias, body in query.derived.items():
                within = inside.get(id(body), []) + [q for q in queries if q.node is body]
                if alias in query.routed or not any(q.tables for q in within):
                    continue
                if all(set(q.tables) <= q.routed for q in within):
                    query.routed.add(alias)
                    changed = True
        for (qa, a), (qb, b) in links:
            if (a in qa.routed) != (b in qb.routed):
                qa.routed.add(a)
                qb.routed.add(b)
                changed = True


def _write_supplies(target: exp.Expression, column: str) -> bool:
    """Whether an INSERT/COPY target supplies ``column`` (no column list: every column)."""
    if isinstance(target, exp.Schema):
        return any(
            isinstance(e, (exp.Identifier, exp.Column)) and e.name == column
            for e in target.expressions
        )
    return True


def _write_target(node: exp.Expression) -> exp.Table | None:
    target = node.this
    if isinstance(target, exp.Schema):
        target = target.this
    return target if isinstance(target, exp.Table) else None


def problems(sql: str, tenant: Mapping[str, str]) -> list[str]:
    """What keeps ``sql`` from naming its organization on every tenant table (empty: nothing).

    ``tenant`` maps each tenant table to its distribution column.
    """
    try:
        statements = sqlglot.parse(sql, dialect="postgres")
    except sqlglot.errors.ParseError:
        named = _named_tenant_tables(sql, tenant)
        return [f"unparsable statement on {', '.join(named)}"] if named else []
    out: list[str] = []
    for statement in statements:
        if statement is None:
            continue
        out.extend(_statement_problems(statement, tenant))
    return out


def _named_tenant_tables(sql: str, tenant: Mapping[str, str]) -> list[str]:
    return sorted(set(re.findall(r"[a-z_][a-z0-9_]*", sql.lower())) & set(tenant))


def _statement_problems(statement: exp.Expr, tenant: Mapping[str, str]) -> list[str]:
    if isinstance(statement, exp.Command):
        # Not parsed further (LOCK, SET...): only a statement naming no tenant table passes.
        named = _named_tenant_tables(str(statement.expression), tenant)
        return [f"{statement.name} on {', '.join(named)}"] if named else []
    if isinstance(statement, exp.TruncateTable):
        named = sorted(t.name for t in statement.expressions if t.name in tenant)
        return [f"TRUNCATE of {', '.join(named)}"] if named else []
    out: list[str] = []
    for node in statement.walk():
        if isinstance(node, (exp.Insert, exp.Copy)):
            target = _write_target(node)
            if (
                target is not None
                and target.name in tenant
                and not _write_supplies(node.this, tenant[target.name])
            ):
                out.append(f"{target.name}: written without {tenant[target.name]}")
    queries: dict[int, _Query] = {}
    for node in statement.walk():
        if isinstance(node, _QUERY_NODES):
            parent_node = node.parent
            while parent_node is not None and id(parent_node) not in queries:
                parent_node = parent_node.parent
            parent = queries[id(parent_node)] if parent_node is not None else None
            queries[id(node)] = _Query(node, parent, tenant)
    links = [link for query in queries.values() for link in _route(query)]
    _propagate(list(queries.values()), links)
    for query in queries.values():
        for alias, table in query.tables.items():
            if alias not in query.routed:
                out.append(f"{table.name}: no {query.columns[alias]} equality")
    return out
