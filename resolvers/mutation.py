"""The root ``Mutation`` type: every mutation of the API, each group in its own module."""

from __future__ import annotations

import strawberry

from resolvers.alerts.mutation import Mutation as AlertsMutation
from resolvers.keys.mutation import KeysMutation


@strawberry.type(
    description="Changes: alert rules, webhook endpoints, API keys and embed tokens of the caller's organization."
)
class Mutation(AlertsMutation, KeysMutation):
    pass
