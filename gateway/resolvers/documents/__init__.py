"""The frontend's documents (copies of ``shared/design/queries``), registered as trusted
documents at start-up: by the hash of their text, and of their printed form (what Apollo
Client's persisted-query link hashes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from graphql import parse, print_ast

DIRECTORY = Path(__file__).parent
FILES = ("usage-page.graphql", "consumption-page.graphql")


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
