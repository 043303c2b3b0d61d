"""Settings for the benchmarks: the platform's own (production profile, from the environment)
plus what only a benchmark needs, so none of it lives in the platform's modules."""

from literasi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"  # the site's URLs plus a bare view to compare against
CELERY_IMPORTS = ["bench.tasks"]  # the no-op task the grading benchmark compares against
