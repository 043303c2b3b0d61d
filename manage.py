#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literasi.settings")
    # manage.py is a developer's tool; servers start from wsgi.py, which defaults to production.
    os.environ.setdefault("LITERASI_ENV", "development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
