"""State changes about people and roles."""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from .errors import Refusal
from .models import EmployeeKind, OrganiserAssignment, Province, ProvinceMove, RegistrationCount, User
from .roles import roles_forget

# Apps above this one (courses: where enrolments count) register here, in AppConfig.ready(), what
# must follow a learner moved to another province; each runs inside the move's transaction.
ProvinceMoveHook = Callable[[ProvinceMove], None]
_province_move_hooks: list[ProvinceMoveHook] = []


def on_learner_province_move(hook: ProvinceMoveHook) -> None:
    """Register ``hook`` to run inside every learner province move (idempotent)."""
    if hook not in _province_move_hooks:
        _province_move_hooks.append(hook)


# Apps above this one register here what must follow a change of a learner's kind of employee or
# agency (where their enrolments count); each runs inside the saving transaction with the user's id.
ProfileChangeHook = Callable[[int], None]
_profile_change_hooks: list[ProfileChangeHook] = []


def on_learner_profile_change(hook: ProfileChangeHook) -> None:
    """Register ``hook`` to run after a learner's kind of employee or agency changed (idempotent)."""
    if hook not in _profile_change_hooks:
        _profile_change_hooks.append(hook)


def registrations_count(*, changes: dict[tuple[str | None, str], int]) -> None:
    """Accounts were made (+n) or left a province or kind of employee (-n):
    ``{(province_code, employee_kind): n}``. Call in the transaction that made the change."""
    for (province_code, kind), delta in sorted(changes.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        if not delta:
            continue
        rows = RegistrationCount.objects.filter(province_code=province_code or "", employee_kind=kind)
        if not rows.update(count=F("count") + delta):
            RegistrationCount.objects.bulk_create(
                [RegistrationCount(province_code=province_code or "", employee_kind=kind)], ignore_conflicts=True
            )
            rows.update(count=F("count") + delta)


@transaction.atomic
def learner_profile_saved(*, user: User, previous: User | None) -> None:
    """A user was created (``previous`` None) or edited outside the services (the admin): count
    the registration and let enrolments follow a new kind of employee or agency."""
    if previous is None:
        registrations_count(changes={(user.province_id, user.employee_kind): 1})
        return
    if (previous.province_id, previous.employee_kind) != (user.province_id, user.employee_kind):
        registrations_count(changes={(previous.province_id, previous.employee_kind): -1,
                                     (user.province_id, user.employee_kind): 1})  # fmt: skip
    if (previous.employee_kind, previous.instansi) != (user.employee_kind, user.instansi):
        for hook in _profile_change_hooks:
            hook(user.pk)


@transaction.atomic
def registrations_rebuild() -> list[str]:
    """Count the accounts again (the recount), store the counts and describe each difference."""
    actual = {
        (row["province_id"] or "", row["employee_kind"]): row["n"]
        for row in User.objects.values("province_id", "employee_kind").annotate(n=Count("pk"))
    }
    stored = {(r.province_code, r.employee_kind): r.count for r in RegistrationCount.objects.all() if r.count}
    differences = [
        f"registered {'/'.join(key)}: stored {stored.get(key, 0)}, facts {actual.get(key, 0)}"
        for key in sorted(set(actual) | set(stored))
        if stored.get(key, 0) != actual.get(key, 0)
    ]
    RegistrationCount.objects.all().delete()
    RegistrationCount.objects.bulk_create(
        RegistrationCount(province_code=key[0], employee_kind=key[1], count=n) for key, n in actual.items()
    )
    return differences


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
    registrations_count(changes={(user.province_id, user.employee_kind): 1})
    return user


def email_verified_by_password_set(*, user: User) -> None:
    """A password set from a link sent to the address proves the address (invited participants
    set their first password that way). Safe to repeat."""
    EmailAddress.objects.filter(user=user, primary=True, verified=False).update(verified=True)


def organiser_assign(*, user: User, province: Province, assigned_by: User | None = None) -> OrganiserAssignment:
    """Make ``user`` an organiser of ``province``. Safe to repeat: one assignment per pair."""
    assignment, created = OrganiserAssignment.objects.get_or_create(
        user=user, province=province, defaults={"assigned_by": assigned_by}
    )
    if created:
        roles_forget(user.pk)
    return assignment


def organiser_unassign(*, user: User, province_code: str) -> bool:
    """``user`` no longer organises that province. Safe to repeat; True if a role was removed."""
    removed, _details = OrganiserAssignment.objects.filter(user=user, province_id=province_code).delete()
    if removed:
        roles_forget(user.pk)
    return bool(removed)


@transaction.atomic
def learner_province_move(*, actor: User, learner: User, province: Province, reason: str) -> ProvinceMove | None:
    """Move ``learner`` to ``province``, audited. National admins only (Refusal otherwise).

    The learner's own enrolments (not those of a cohort, which count for the cohort's province)
    follow them through the registered hooks. Returns None when the learner is already there, so
    it is safe to repeat.
    """
    if not (actor.is_active and (actor.is_national_admin or actor.is_superuser)):
        raise Refusal(_("Only a national admin can move a learner to another province."))
    reason = reason.strip()
    if not reason:
        raise Refusal(_("Give the reason for the move."))
    learner = User.objects.select_for_update().get(pk=learner.pk)
    if learner.province_id == province.pk:
        return None
    move = ProvinceMove.objects.create(
        user=learner, from_province_id=learner.province_id, to_province=province, reason=reason[:300], moved_by=actor
    )
    User.objects.filter(pk=learner.pk).update(province=province)
    registrations_count(changes={(move.from_province_id, learner.employee_kind): -1,
                                 (province.pk, learner.employee_kind): 1})  # fmt: skip
    for hook in _province_move_hooks:
        hook(move)
    return move
