# Production image of the Yuncheng specialty-town portal (运城市专业镇服务平台).
# One image serves every role in docker-compose.yml: web (gunicorn), worker and beat (Celery), migrate.
FROM python:3.11-slim

# DEBUG=0: the image is in production mode unless told otherwise, so a bare `docker run` (no compose, no .env)
# refuses to start without SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS and a broker, instead of running with
# DEBUG=True and the public development key.
ENV DEBUG=0 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=yuncheng_towns.settings \
    MEDIA_ROOT=/data/media

WORKDIR /app

# An unprivileged user with a writable home (gunicorn puts its control socket under $HOME/.gunicorn).
# /data/media and /data/beat are mount points for named volumes; a fresh named volume takes over this
# ownership, so the app user can write there while the code under /app stays root-owned and read-only.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
    && mkdir -p /data/media /data/beat \
    && chown -R app:app /data

# Dependencies first, so that code changes do not reinstall them. Every version is pinned in requirements.txt.
COPY requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir -r /app/requirements.txt

COPY . /app

# Static files are collected at build time (whitenoise serves them from /app/staticfiles). Production mode
# (DEBUG=0) refuses to import settings without its secrets, so this step gets throw-away values that exist
# only for this RUN line: they are not ENV, so the running container never sees them.
RUN DEBUG=0 \
    SECRET_KEY=build-time-only-not-a-secret-collectstatic-0123456789abcdef \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    ALLOWED_HOSTS=build.invalid \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build-only.sqlite3

USER app

EXPOSE 8000

CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "yuncheng_towns.wsgi"]
