from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literasi.settings")
django_application = get_wsgi_application()

from literasi.middleware import RequestBodyLimit  # noqa: E402 - needs the settings configured above

# Bodies over the cap are refused before Django reads (and spools) them.
application = RequestBodyLimit(django_application)
