"""How allauth signs people up and in on Literasi: the profile fields, what a signup with a
registered NIP tells (nothing on the page), and whose failures count towards a login lock."""

from __future__ import annotations

import ipaddress
import logging

from allauth import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from .models import User
from .services import learner_profile_saved

PROFILE_FIELDS = ("full_name", "nip", "employee_kind", "instansi", "jabatan", "province")

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: User, form, commit: bool = True) -> User:
        """Store the profile fields of the signup form on the new user in the same save.

        A NIP already registered to another account (``form.taken_nip``, see
        ``literasi.forms.clean_profile_nip``) is left off the new account, and the two people
        concerned are told by email, never on the page: the signup page answers the same
        whether a NIP is registered or not, so it cannot be used to find out which ones are.
        """
        user = super().save_user(request, user, form, commit=False)
        for field in PROFILE_FIELDS:
            setattr(user, field, form.cleaned_data[field])
        if commit:
            user.save()
            learner_profile_saved(user=user, previous=None)
            taken_nip = getattr(form, "taken_nip", None)
            if taken_nip:
                self._tell_about_taken_nip(new_user=user, nip=taken_nip)
        return user

    def _tell_about_taken_nip(self, *, new_user: User, nip: str) -> None:
        owner = User.objects.filter(nip=nip).exclude(pk=new_user.pk).first()
        context = {"password_reset_url": settings.SITE_URL + reverse("account_reset_password")}
        self.send_mail("literasi/email/nip_taken_signup", new_user.email, context)
        if owner is not None:
            self.send_mail("literasi/email/nip_taken_owner", owner.email, {**context, "user": owner})
        logger.info("signup of user %s gave the NIP of user %s; left off, both told", new_user.pk, owner and owner.pk)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: object) -> str:
        """Failed logins are counted per account *and* client address (the "key" of the
        ``login_failed`` rate limit), not per account alone.

        Allauth counts them per account, so five wrong passwords typed by anyone anywhere locked
        the owner out too. Counted per account and address, an attacker's failures lock only the
        attacker's address; guessing stays limited per address by the same limit and, across
        accounts, by the per-address limit. IPv6 addresses count per /64 network (as allauth's
        own per-address limits do), so one machine cannot rotate its way to more guesses.
        """
        account_key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account_key}:{client_network(self.get_client_ip(request))}"


def client_network(ip: str) -> str:
    """The address a rate limit counts: an IPv4 address, or an IPv6 address's network."""
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        prefix = allauth_settings.RATE_LIMIT_IPV6_PREFIX
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
    return str(address)
