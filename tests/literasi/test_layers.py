"""Apps form layers: a lower app never imports a higher one, not even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ["literasi", "courses", "quizzes", "cohorts", "certificates"]


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


@pytest.mark.parametrize("app", LAYERS[:-1])
def test_an_app_imports_no_app_above_it(app: str) -> None:
    root = Path(settings.BASE_DIR)
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    offending = {
        str(path.relative_to(root)): sorted(imported_apps(path) & above)
        for path in (root / app).rglob("*.py")
        if imported_apps(path) & above
    }
    assert offending == {}
