"""Production settings for the benchmarks (bench/serve_load.py, bench/export_memory.py).

Everything is as in production (DEBUG off, the page cache, WhiteNoise, the same middleware), with
two changes a benchmark on 127.0.0.1 needs, neither of which makes a request cheaper:
- no redirect to HTTPS: the benchmark speaks plain HTTP, so production would answer every
  request with a 301 (`SECURE_SSL_REDIRECT=false` in the environment does the same);
- the static files live in a folder of the benchmark's own, `BENCH_STATIC_ROOT`, where it runs
  `collectstatic` and puts the static copy of a page it compares with; the project's
  `staticfiles/` is left alone.

Like production, it refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import os
from pathlib import Path

from partystats.settings.production import *  # noqa: F403

SECURE_SSL_REDIRECT = False
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
