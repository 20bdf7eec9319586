"""A persisted-documents manifest, as GraphQL Code Generator's client-preset writes it with
``persistedDocuments: true``: a JSON object ``{"sha256:<hex>": "<document>"}`` whose documents
are the preset's reprint of the app's own (fields in its order, one line). A frontend built that
way sends only the id, so its documents must be known (and trusted) before its first request.

Every entry is checked at start-up: the id is the SHA-256 of the text (``sha256:`` optional),
and the document parses and validates against the schema. Anything else refuses to start: a
manifest that does not match this gateway would otherwise show up as FORBIDDEN pages later.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from graphql import GraphQLError, parse, specified_rules, validate

from gateway.config import ConfigurationError
from resolvers.schema import MAX_TOKENS, SHAPE_RULES, schema

PREFIX = "sha256:"


def digest_of(document_id: str) -> str:
    """The hex SHA-256 an id names: client-preset writes ``sha256:<hex>``, APQ sends ``<hex>``."""
    hex_digest = document_id.lower()
    return hex_digest.removeprefix(PREFIX)


def load_manifest(path: str | Path) -> dict[str, str]:
    """``{sha256 hex: document}`` of the manifest at ``path``; ConfigurationError naming the
    file and the entry when it cannot be trusted."""
    where = f"GATEWAY_TRUSTED_DOCUMENTS_FILE ({path})"
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{where} cannot be read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{where} is not JSON: {exc}") from None
    if not isinstance(entries, dict) or not entries:
        raise ConfigurationError(
            f'{where} must be a JSON object {{"sha256:<hex>": "<document>", ...}} '
            "as client-preset's persisted-documents.json"
        )
    documents: dict[str, str] = {}
    for document_id, text in entries.items():
        if not isinstance(text, str):
            raise ConfigurationError(f"{where}: the entry {document_id!r} is not a document")
        hex_digest = digest_of(document_id)
        if hashlib.sha256(text.encode()).hexdigest() != hex_digest:
            raise ConfigurationError(
                f"{where}: the id {document_id!r} is not the SHA-256 of its document "
                "(set client-preset's hashAlgorithm to sha256)"
            )
        problem = _problem(text)
        if problem:
            raise ConfigurationError(f"{where}: the document {document_id!r} {problem}")
        documents[hex_digest] = text
    return documents


def _problem(text: str) -> str | None:
    try:
        document = parse(text, max_tokens=MAX_TOKENS)
    except GraphQLError as exc:
        return f"does not parse: {exc.message}"
    errors = validate(schema._schema, document, [*specified_rules, *SHAPE_RULES])
    if errors:
        return f"does not validate against this gateway's schema: {errors[0].message}"
    return None
