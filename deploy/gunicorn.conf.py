"""Gunicorn settings for the container: ``gunicorn --config deploy/gunicorn.conf.py yuncheng_towns.wsgi``.

Tunable from the environment (see deploy/env.example). Logs go to stdout/stderr, i.e. to ``docker compose logs``.
TLS is terminated by the reverse proxy in front; it must set ``X-Forwarded-Proto`` (settings trust that header).
"""

import multiprocessing
import os

# The container's port; publish it only to the reverse proxy (docker-compose.yml binds it to 127.0.0.1).
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"  # noqa: S104 - inside the container, behind the proxy

workers = int(os.environ.get("WEB_CONCURRENCY", str(min(multiprocessing.cpu_count() * 2 + 1, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Spreadsheet imports and exports run inside the request: give them time before the worker is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100

# The heartbeat file on the container's overlay filesystem can stall workers; /dev/shm is memory-backed.
if os.path.isdir("/dev/shm"):  # noqa: S108 - a directory of the container, not a temp file name
    worker_tmp_dir = "/dev/shm"  # noqa: S108

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
