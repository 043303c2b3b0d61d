"""Reads about people and their roles. Province scoping for every app is decided here."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet, Sum

from .models import Province, RegistrationCount, User
from .roles import roles_of


def provinces_managed_by(user: User) -> QuerySet[Province]:
    """The provinces whose cohorts and participants ``user`` may see and change.

    National admins manage every province, organisers their assigned ones, anyone else none.
    Every view, export and task that touches province data filters through this function.
    """
    if not user.is_authenticated or not user.is_active:
        return Province.objects.none()
    if user.is_national_admin or user.is_superuser:
        return Province.objects.all()
    return Province.objects.filter(organiser_assignments__user=user)


def user_manages_province(user: User, province_code: str) -> bool:
    return provinces_managed_by(user).filter(code=province_code).exists()


def user_has_staff_role(user: User | AnonymousUser) -> bool:
    """Organisers and national admins: the people two-factor authentication is required for."""
    return roles_of(user).is_staff_role


def provinces_with_registered(user: User) -> list[Province]:
    """The provinces ``user`` manages, each with ``learner_count``: its registered accounts, read
    from the kept counts (two queries, whatever the number of users)."""
    provinces = list(provinces_managed_by(user))
    counts = dict(
        RegistrationCount.objects.filter(province_code__in=[p.code for p in provinces])
        .values_list("province_code")
        .annotate(n=Sum("count"))
    )
    for province in provinces:
        province.learner_count = counts.get(province.code, 0)
    return provinces
