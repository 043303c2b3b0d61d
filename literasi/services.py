"""State changes about people and roles."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction

from .models import EmployeeKind, OrganiserAssignment, Province, User
from .roles import roles_forget


@transaction.atomic
def user_create_verified(
    *,
    email: str,
    password: str,
    full_name: str,
    province: Province | None = None,
    nip: str | None = None,
    employee_kind: str = EmployeeKind.OTHER,
    instansi: str = "",
    jabatan: str = "",
    is_national_admin: bool = False,
) -> User:
    """Create an active user whose email address is already verified (demo data, operators).

    ``nip`` must already be validated (``literasi.nip.validate_nip``). Not safe to repeat: the
    email is unique. People who sign up themselves go through allauth and verify by email.
    """
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        province=province,
        nip=nip,
        employee_kind=employee_kind,
        instansi=instansi,
        jabatan=jabatan,
        is_national_admin=is_national_admin,
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user


def organiser_assign(*, user: User, province: Province, assigned_by: User | None = None) -> OrganiserAssignment:
    """Make ``user`` an organiser of ``province``. Safe to repeat: one assignment per pair."""
    assignment, created = OrganiserAssignment.objects.get_or_create(
        user=user, province=province, defaults={"assigned_by": assigned_by}
    )
    if created:
        roles_forget(user.pk)
    return assignment
