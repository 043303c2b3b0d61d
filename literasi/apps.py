from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiterasiConfig(AppConfig):
    name = "literasi"
    verbose_name = _("People and provinces")
