"""Members and the viewer."""

from __future__ import annotations

import strawberry

from gateway.orgs.records import MemberRecord
from resolvers.enums import Role
from resolvers.node import Node, encode_global_id


@strawberry.type(description="A member of the organization.")
class Member(Node):
    name: str = strawberry.field(description="Display name.")
    email: str = strawberry.field(description="Email address.")
    role: Role = strawberry.field(description="Role, which grants the member's permissions.")
    removed: bool = strawberry.field(
        description="True once the member has been removed from the organization."
    )

    @classmethod
    def from_record(cls, member: MemberRecord) -> Member:
        return cls(
            id=encode_global_id("Member", member.org_id, member.id),
            name=member.name,
            email=member.email,
            role=member.role,
            removed=member.removed,
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
