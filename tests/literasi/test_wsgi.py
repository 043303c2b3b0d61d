from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_wsgi_application_imports_every_view_before_gunicorn_forks():
    """gunicorn loads literasi.wsgi once in its master (preload_app): a worker it forks, at start
    or after max_requests, must not spend its first request importing the views (about 0.9 s of
    CPU each, which stalled pages for seconds when the workers were replaced together)."""
    code = (
        "import sys, literasi.wsgi; "
        "print(all(m in sys.modules for m in ('certificates.views', 'monitoring.views', 'quizzes.views', "
        "'cohorts.views', 'courses.views')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "literasi.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
