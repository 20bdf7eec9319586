"""Members and the viewer."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from resolvers.node import Node, encode_global_id


@strawberry.enum(description="A member's role in the organization.")
class Role(Enum):
    ACCOUNT_ADMIN = "ACCOUNT_ADMIN"
    ADMIN = "ADMIN"
    STAFFING = "STAFFING"
    INTERVIEWER = "INTERVIEWER"


@strawberry.type(description="A member of the organization.")
class Member(Node):
    name: str = strawberry.field(description="Display name.")
    email: str = strawberry.field(description="Email address.")
    role: Role = strawberry.field(description="Role, which grants the member's permissions.")
    removed: bool = strawberry.field(
        description="True once the member has been removed from the organization."
    )

    @classmethod
    def from_row(cls, row: Any) -> Member:
        return cls(
            id=encode_global_id("Member", row.org_id, row.id),
            name=row.name,
            email=row.email,
            role=Role(row.role),
            removed=bool(row.removed),
        )


@strawberry.type(description="Who is calling, and what they may see.")
class Viewer:
    member: Member | None = strawberry.field(
        description="The member behind a member token; null for an API key."
    )
    api_key_name: str | None = strawberry.field(
        description="The name of the API key in use; null for a member token."
    )
    role: Role | None = strawberry.field(description="The member's role; null for an API key.")
    permissions: list[str] = strawberry.field(
        description="Permissions the credential holds, e.g. credits:view."
    )
