"""Values read with a raw cursor (``connection.cursor()``), made what the ORM would have given.

The hot paths that read in SQL (grading, the monitoring summary, the verification page) get
column values as the database driver hands them over, without the ORM's converters: SQLite
gives datetimes naive (they are stored in UTC) and JSON as text.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A datetime column's value, timezone-aware (SQLite's naive ones are UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def json_value(value: object) -> Any:
    """A JSON column's value, decoded (it may come as text)."""
    return json.loads(value) if isinstance(value, str) else value
