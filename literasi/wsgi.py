from __future__ import annotations

import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literasi.settings")
django_application = get_wsgi_application()

# Import the URL configuration, and with it every view, now. gunicorn loads this module once, in
# its master (preload_app), so every worker it forks, at start and again after max_requests,
# serves its first request without importing them first: that took about 0.9 s of CPU per worker
# (pyHanko, ReportLab, openpyxl...), and make bench-verify saw the page stall for seconds each time
# the workers were replaced together.
import_module(settings.ROOT_URLCONF)

from literasi.middleware import RequestBodyLimit  # noqa: E402 - needs the settings configured above

# Bodies over the cap are refused before Django reads (and spools) them.
application = RequestBodyLimit(django_application)
