"""The frontend's documents (copies of ``shared/design/queries``) and the gateway's own, registered
as trusted documents at start-up: by the hash of their text, and of their printed form (what
Apollo Client's persisted-query link hashes).

Clients' caches rewrite a document before sending it (Apollo's and urql's add ``__typename`` to
every selection set, and each graphql-js version prints a little differently), so a document is
also trusted when its :func:`canonical` form is that of a trusted one."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from graphql import FieldNode, GraphQLError, Visitor, parse, print_ast, visit
from graphql.language.visitor import REMOVE

from resolvers.schema import MAX_TOKENS

DIRECTORY = Path(__file__).parent
# Byte-for-byte copies of shared/design/queries (a test compares them).
SHARED_FILES = ("usage-page.graphql", "consumption-page.graphql")
# The dashboard's Load more: the activity log alone, so a page of it costs a few points and a
# bad cursor fails only that request, never the cards already drawn. The trend pill on This
# month, against the same point of last month. And from when the log's calls are kept, asked
# only when the log ends short of its count (retention).
OWN_FILES = ("usage-activity-page.graphql", "usage-trend.graphql", "usage-raw-kept.graphql")
FILES = SHARED_FILES + OWN_FILES


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def trusted_documents() -> dict[str, str]:
    """``{sha256 hex: document}`` for every form of every frontend document."""
    documents: dict[str, str] = {}
    for name in FILES:
        text = (DIRECTORY / name).read_text()
        for form in (text, print_ast(parse(text))):
            documents[sha256(form)] = form
    return documents


class _DropTypename(Visitor):
    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        # Only the plain field a cache adds: an alias or a directive makes it the client's own.
        if node.name.value == "__typename" and node.alias is None and not node.directives:
            return REMOVE
        return None


def canonical(text: str) -> str | None:
    """``text`` without comments, layout or plain ``__typename`` selections, printed one way;
    None when it does not parse (within the token limit, so this stays cheap)."""
    try:
        document = parse(text, no_location=True, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return None
    return print_ast(visit(document, _DropTypename()))
