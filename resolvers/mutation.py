"""The root ``Mutation`` type: every mutation of the API, each group in its own module."""

from __future__ import annotations

import strawberry

from resolvers.alerts.mutation import Mutation as AlertsMutation
from resolvers.bulk import BulkExportMutation
from resolvers.keys.mutation import KeysMutation


@strawberry.type(
    description="Changes: alert rules, webhook endpoints, API keys, embed tokens and bulk exports of the caller's organization."
)
class Mutation(AlertsMutation, KeysMutation, BulkExportMutation):
    pass
