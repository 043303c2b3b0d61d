"""`make typecheck`: mypy with django-stubs over the whole repository, ratcheted.

The number of errors may only fall: devtools/mypy-errors.txt holds the count CI accepts, and a
change that adds an error fails. When the count falls, the run says so and the number is lowered
in the same change, until it is 0 (then any error fails).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mypy import api

ALLOWED = Path(__file__).with_name("mypy-errors.txt")


def main() -> int:
    out, err, _status = api.run(["."])
    if err:
        print(err, file=sys.stderr)
        return 2
    match = re.search(r"Found (\d+) errors?", out)
    found = int(match.group(1)) if match else 0
    allowed = int(ALLOWED.read_text().strip())
    if found > allowed:
        print(out, end="")
        print(f"mypy: {found} errors, more than the {allowed} allowed ({ALLOWED.name}): fix the new ones.")
        return 1
    if found < allowed:
        print(f"mypy: {found} errors, fewer than the {allowed} allowed: write {found} in {ALLOWED}.")
        return 1
    print(f"mypy: {found} errors (the ratchet's count; it only goes down)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
