"""Only super admins manage event hooks, as in Okta."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class IsSuperAdmin(BasePermission):
    """Allow active superusers; everyone else gets 403 E0000006."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_superuser)
