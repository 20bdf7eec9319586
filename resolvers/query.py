"""The root ``Query`` type."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from gateway.orgs.enums import Permission
from resolvers.bulk import BulkExport, bulk_export
from resolvers.catalog import AiModel
from resolvers.consumption.resolvers import credit_plan
from resolvers.consumption.types import CreditPlan, Opening
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.members import Member, Viewer
from resolvers.node import MAX_NODES, Node, decode_global_id
from resolvers.orgs import Organization, load_organization, resolve_organization
from resolvers.usage.resolvers import load_usage_call


async def _resolve_node(info: Info, id: strawberry.ID) -> Node | None:
    decoded = decode_global_id(str(id))
    if decoded is None:
        return None
    type_name, parts = decoded
    caller = info.context.caller
    loaders = info.context.loaders
    if type_name == "Organization" and parts == [caller.org_id]:
        return await load_organization(info, caller.org_id)
    if type_name == "Member" and len(parts) == 2 and parts[0] == caller.org_id:
        if not caller.can(Permission.CREDITS_VIEW):
            return None
        member = await loaders.members.load(parts[1])
        return Member.from_record(member) if member is not None else None
    if type_name == "UsageCall" and len(parts) == 2 and parts[0] == caller.org_id:
        return await load_usage_call(info, parts[1])
    if type_name == "Opening" and len(parts) == 2 and parts[0] == caller.org_id:
        if not caller.can(Permission.CONSUMPTION_VIEW):
            return None
        opening = await loaders.openings.load(parts[1])
        return Opening.from_record(opening) if opening is not None else None
    if type_name == "AiModel" and len(parts) == 1:
        model = await loaders.models.load(parts[0])
        return AiModel.from_record(model) if model is not None else None
    return None


@strawberry.type(description="The entry points of the API.")
class Query:
    @strawberry.field(
        description=(
            "Refetch any object by its global ID. Objects of another organization, or of a "
            "type the caller may not see, resolve to null."
        )
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global object id.")],
    ) -> Node | None:
        return await _resolve_node(info, id)

    @strawberry.field(
        description=(
            f"Refetch up to {MAX_NODES} objects by their global IDs, in the order given: each "
            "entry is what node(id:) answers for that id (null for an object of another "
            "organization, of a type the caller may not see, or that does not exist)."
        )
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description=f"At most {MAX_NODES} global object ids."),
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(f"ids: at most {MAX_NODES} ids at a time", field="ids")
        # Gathered, so that members, models and openings load in one batch each.
        return list(await asyncio.gather(*(_resolve_node(info, id) for id in ids)))

    @strawberry.field(description="Who is calling, and what they may see.")
    async def viewer(self, info: Info) -> Viewer:
        caller = info.context.caller
        member = None
        if caller.member_id is not None:
            record = await info.context.loaders.members.load(caller.member_id)
            member = Member.from_record(record) if record is not None else None
        return Viewer(
            member=member,
            api_key_name=caller.api_key_name,
            role=caller.role,
            permissions=sorted(caller.permissions),
        )

    @strawberry.field(
        description="The caller's organization (taken from the credential, never from an argument)."
    )
    async def organization(self, info: Info) -> Organization:
        return await resolve_organization(info)

    @strawberry.field(
        description=(
            "A bulk export of the caller's organization, by the id startBulkExport returned: "
            "null for another organization's, or one whose kind the caller may not export."
        )
    )
    async def bulk_export(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's id.")],
    ) -> BulkExport | None:
        return await bulk_export(info, str(id))

    @strawberry.field(
        description="The forecasting example of the Consumption page: roles x candidates x completion, plus a safety buffer."
    )
    def plan_interview_credits(
        self,
        roles_per_month: Annotated[
            int, strawberry.argument(description="Roles hired for per month (0 or more).")
        ],
        candidates_per_role: Annotated[
            int, strawberry.argument(description="Candidates interviewed per role (0 or more).")
        ],
        completion_rate: Annotated[
            float,
            strawberry.argument(description="Share of interviews completed, 0-1 (default 1)."),
        ] = 1.0,
        buffer: Annotated[
            float,
            strawberry.argument(description="Safety margin added on top, e.g. 0.2 for 20 %."),
        ] = 0.2,
    ) -> CreditPlan:
        return credit_plan(roles_per_month, candidates_per_role, completion_rate, buffer)
