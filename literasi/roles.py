"""A person's roles, read on every page (navigation, two-factor rule); the organiser flag is cached.

The cache entry is dropped whenever a role changes (``roles_forget``), and expires anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

ROLES_TTL = 10 * 60


@dataclass(frozen=True)
class Roles:
    is_organiser: bool = False
    is_national_admin: bool = False

    @property
    def is_staff_role(self) -> bool:
        return self.is_organiser or self.is_national_admin


def _key(user_id: int) -> str:
    return f"roles:{user_id}"


def roles_of(user) -> Roles:
    """The user's roles; remembered on the user object for the rest of the request."""
    if not user.is_authenticated or not user.is_active:
        return Roles()
    roles = getattr(user, "_literasi_roles", None)
    if roles is None:
        roles = user._literasi_roles = _load_roles(user)
    return roles


def _load_roles(user) -> Roles:
    is_organiser = cache.get(_key(user.pk))
    if is_organiser is None:
        is_organiser = user.organiser_assignments.exists()
        cache.set(_key(user.pk), is_organiser, ROLES_TTL)
    return Roles(is_organiser=is_organiser, is_national_admin=bool(user.is_national_admin or user.is_superuser))


def roles_forget(user_id: int) -> None:
    """Call when a user's roles change; takes effect once the transaction commits."""
    transaction.on_commit(lambda: cache.delete(_key(user_id)))
