"""People and places: provinces, users and their roles."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """One of Indonesia's 38 provinces, keyed by its Kemendagri code (never reused)."""

    code = models.CharField(_("Kemendagri code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    learner_count: int  # not a column: set by literasi.selectors.provinces_with_registered

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class EmployeeKind(models.TextChoices):
    PNS = "pns", _("PNS (civil servant)")
    PPPK = "pppk", _("PPPK (government contract employee)")
    WIDYAISWARA = "widyaiswara", _("Widyaiswara (government trainer)")
    OTHER = "other", _("Other")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        """For ``manage.py createsuperuser``: the account counts among the registered, as every
        account made by the services does (the monitoring page's first column)."""
        from .services import registrations_count  # the services import the models

        fields["is_superuser"] = True
        fields["is_national_admin"] = True
        with transaction.atomic():
            user = self._create_user(email, password, **fields)
            registrations_count(changes={(user.province_id, user.employee_kind): 1})
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person on the platform. Everyone is a learner; roles add organiser or national admin.

    The NIP is optional (not every participant is a PNS) but unique when given; it is stored as
    18 digits and validated by ``literasi.nip`` before it reaches the model.
    """

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    nip = models.CharField(_("NIP"), max_length=18, null=True, blank=True, unique=True)
    employee_kind = models.CharField(
        _("kind of employee"), max_length=20, choices=EmployeeKind.choices, default=EmployeeKind.OTHER
    )
    instansi = models.CharField(_("agency (instansi)"), max_length=200, blank=True)
    jabatan = models.CharField(_("position (jabatan)"), max_length=200, blank=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, null=True, blank=True, related_name="residents"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_national_admin = models.BooleanField(
        _("national admin"),
        default=False,
        help_text=_("Sees every province, manages content and assigns roles in this admin site."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(nip__isnull=True) | Q(nip__regex=r"^[0-9]{18}$"), name="user_nip_18_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    @property
    def is_staff(self) -> bool:
        """Only national admins (and the technical superuser) may enter the Django admin."""
        return self.is_active and (self.is_national_admin or self.is_superuser)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganiserAssignment(models.Model):
    """Makes a user a regional organiser of one province (a user may organise several)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="organiser_assignments", verbose_name=_("user")
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="organiser_assignments", verbose_name=_("province")
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    assigned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assigned by")
    )

    class Meta:
        verbose_name = _("organiser assignment")
        verbose_name_plural = _("organiser assignments")
        constraints = [models.UniqueConstraint(fields=["user", "province"], name="organiser_once_per_province")]

    def __str__(self) -> str:
        return f"{self.user} → {self.province}"


class ProvinceMove(models.Model):
    """The audit trail of a learner moved from one province to another by a national admin."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="province_moves", verbose_name=_("learner"))
    from_province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from province")
    )
    to_province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("to province"))
    reason = models.CharField(_("reason"), max_length=300)
    moved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("moved by")
    )
    moved_at = models.DateTimeField(_("moved at"), default=timezone.now)

    class Meta:
        ordering = ["-moved_at", "-pk"]
        verbose_name = _("province move")
        verbose_name_plural = _("province moves")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.from_province_id or '-'} → {self.to_province_id}"


class RegistrationCount(models.Model):
    """How many accounts live in a province (``""``: none given) per kind of employee, kept by
    ``literasi.services.registrations_count`` where accounts are made or moved, for the
    monitoring pages (which never count the users)."""

    province_code = models.CharField(_("province"), max_length=2, blank=True)
    employee_kind = models.CharField(_("kind of employee"), max_length=20)
    count = models.IntegerField(_("registered"), default=0)

    class Meta:
        verbose_name = _("registration count")
        verbose_name_plural = _("registration counts")
        constraints = [
            models.UniqueConstraint(fields=["province_code", "employee_kind"], name="registration_count_key")
        ]

    def __str__(self) -> str:
        return f"{self.province_code}/{self.employee_kind}: {self.count}"
