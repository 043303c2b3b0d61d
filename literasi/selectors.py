"""Reads about people and their roles. Province scoping for every app is decided here."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet

from .models import Province, User
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


def provinces_with_learner_counts(user: User) -> QuerySet[Province]:
    """The provinces ``user`` manages, each with ``learner_count``: the learners living there."""
    return provinces_managed_by(user).annotate(learner_count=Count("residents"))


def user_manages_province(user: User, province_code: str) -> bool:
    return provinces_managed_by(user).filter(code=province_code).exists()


def user_has_staff_role(user: User | AnonymousUser) -> bool:
    """Organisers and national admins: the people two-factor authentication is required for."""
    return roles_of(user).is_staff_role
