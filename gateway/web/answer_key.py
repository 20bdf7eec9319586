"""The exact key of a /graphql answer: everything the answer depends on, and nothing else.

An answer is a function of the document, its variables and operation, who asks (the
organization, the credential's kind, role and permissions; the credential itself only when the
document selects ``viewer``), the organization's and the catalog's data versions, the schema, and
the clock. The pages read the clock as the organization's local date (periods, the forecast's
"today"), which the key holds; two fields read the exact instant — the same-point trend and the
year-over-year comparison of a running span — and a document that selects either is not cached.
Nor is an organization's answer while a write dated in the future can still change it by the
clock alone (``settles_at``).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from graphql import (
    DocumentNode,
    EnumValueNode,
    FieldNode,
    OperationDefinitionNode,
    OperationType,
    visit,
)
from graphql.language import Visitor

from gateway.orgs.credentials import Caller
from gateway.usage.enums import TrendBasis
from resolvers.schema import DOCUMENTS

# Fields whose answer moves with the exact instant, not only with the local date.
INSTANT_FIELDS = frozenset({"previousYear"})
# Alerts, rules, endpoints, deliveries and bulk exports change without moving the data
# versions (the delivery and bulk workers write them), and so do API keys and embed tokens (a
# key's last use, a revocation) and the audit log (an API key's creation moves no version):
# answers that select them are never cached, and never read on a replica.
UNVERSIONED_FIELDS = frozenset(
    {
        "alerts",
        "alertRules",
        "webhookEndpoints",
        "deliveries",
        "bulkExport",
        "bulkExports",
        "apiKeys",
        "embedTokens",
        "auditLog",
    }
)
# `trend` reads the instant unless it compares with the whole previous month (its default).
TREND_FIELD, TREND_BASIS, WHOLE_MONTH = "trend", "basis", TrendBasis.PREVIOUS_MONTH.value
VIEWER_FIELD = "viewer"


@dataclass(frozen=True)
class DocumentTraits:
    """What the key needs to know of a document, worked out once per document."""

    digest: str
    # Queries only, and nothing that reads the exact instant.
    cacheable: bool
    # Selects `viewer`: the answer names the credential, so the key does too.
    personal: bool
    # Queries only, of data the versions cover (no unversioned field): what a read replica
    # holding the organization's current versions may answer (gateway/storage/routing.py).
    versioned: bool = False


class _Scan(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.instant = False
        self.personal = False
        self.mutation = False
        self.unversioned = False

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        if node.operation is not OperationType.QUERY:
            self.mutation = True

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        name = node.name.value
        if name in INSTANT_FIELDS or name in UNVERSIONED_FIELDS:
            self.instant = True
            self.unversioned = self.unversioned or name in UNVERSIONED_FIELDS
        elif name == VIEWER_FIELD:
            self.personal = True
        elif name == TREND_FIELD:
            for argument in node.arguments or ():
                value = argument.value
                if argument.name.value == TREND_BASIS and not (
                    isinstance(value, EnumValueNode) and value.value == WHOLE_MONTH
                ):
                    # SAME_POINT_LAST_MONTH, or a variable that may say so.
                    self.instant = True


_TRAITS: OrderedDict[str, DocumentTraits] = OrderedDict()
_TRAITS_KEPT = 256


# Documents validated once at start-up (the planned trusted documents), by their text.
_VOUCHED: dict[str, DocumentNode] = {}


def vouch(query: str, document: DocumentNode) -> None:
    """``document`` (parsed from ``query``) has been validated against the schema."""
    _VOUCHED[query] = document


def traits(query: str) -> DocumentTraits | None:
    """The traits of a document the schema has parsed and validated already (None before: a
    document is never parsed twice for the cache, and one that failed is never looked at).
    Conservative: any field anywhere in the document counts, fragments included."""
    found = _TRAITS.get(query)
    if found is not None:
        _TRAITS.move_to_end(query)
        return found
    entry = DOCUMENTS.get(query)
    if entry is not None and entry.errors == []:
        document: DocumentNode | None = entry.document
    else:
        # A planned document never goes through the schema's parse: it was validated once.
        document = _VOUCHED.get(query)
    if document is None:
        return None
    scan = _Scan()
    visit(document, scan)
    found = _TRAITS[query] = DocumentTraits(
        DOCUMENTS.key(query),
        cacheable=not (scan.instant or scan.mutation),
        personal=scan.personal,
        versioned=not (scan.unversioned or scan.mutation),
    )
    if len(_TRAITS) > _TRAITS_KEPT:
        _TRAITS.popitem(last=False)
    return found


def answer_key(
    *,
    schema_tag: str,
    document: DocumentTraits,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    caller: Caller,
    now: datetime,
) -> str | None:
    """The hex key of this request's answer; None when it must not be cached."""
    versions, organization = caller.versions, caller.organization
    if (
        versions is None
        or versions.org is None
        or versions.catalog is None
        or organization is None
        or (versions.settles_at is not None and now <= versions.settles_at)
    ):
        return None
    today = now.astimezone(ZoneInfo(organization.time_zone)).date()
    who = [caller.kind.value, caller.credential_id] if document.personal else []
    parts = [
        schema_tag,
        document.digest,
        variables or {},
        operation_name,
        caller.org_id,
        caller.kind.value,
        caller.role.value if caller.role is not None else None,
        sorted(caller.permissions),
        who,
        versions.org,
        versions.catalog,
        today.isoformat(),
    ]
    try:
        canonical = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # variables orjson cannot write canonically: not worth caching
        return None
    return hashlib.sha256(canonical).hexdigest()
