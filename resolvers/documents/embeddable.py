"""The trusted documents an embed token may be limited to, by operation name or SHA-256.

A token stores the digest of each listed document's canonical form (:func:`canonical`), so a
client's rewrite of the same document (its ``__typename`` fields, its printer's layout) runs
under the token as the original does."""

from __future__ import annotations

from graphql import GraphQLError, OperationDefinitionNode, parse

from resolvers.documents import canonical, sha256
from resolvers.documents.manifest import digest_of


def canonical_digest(text: str) -> str | None:
    form = canonical(text)
    return None if form is None else sha256(form)


class EmbeddableDocuments:
    def __init__(self, trusted: dict[str, str]) -> None:
        self._digests: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for digest, text in trusted.items():
            found = canonical_digest(text)
            if found is None:
                continue
            self._digests[digest] = found
            try:
                document = parse(text, no_location=True)
            except GraphQLError:
                continue
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode) and definition.name:
                    self._names.setdefault(definition.name.value, found)

    def resolve(self, ident: str) -> str | None:
        """The canonical digest of the trusted document named ``ident`` (an operation name,
        or the SHA-256 of one of its forms, bare or ``sha256:``-prefixed)."""
        return self._names.get(ident) or self._digests.get(digest_of(ident))

    def names(self) -> list[str]:
        """The operation names a token may list."""
        return sorted(self._names)
