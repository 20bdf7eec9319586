"""``@requiresPermission``: printed in the SDL and enforced by the same class."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location

from gateway.orgs.enums import Permission
from resolvers.errors import Forbidden


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresPermission",
    description="The field resolves only for callers that hold this permission.",
)
class RequiresPermissionDirective:
    permission: str


class RequiresPermission(BasePermission):
    error_class = Forbidden

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        self.message = f"this field needs the '{permission.value}' permission"
        self._directive = RequiresPermissionDirective(permission=permission.value)

    @property
    def schema_directive(self) -> object:
        return self._directive

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return bool(info.context.caller.can(self.permission))


def requires(permission: Permission) -> PermissionExtension:
    """Field extension guarding a field with ``permission``."""
    return PermissionExtension(permissions=[RequiresPermission(permission)])
