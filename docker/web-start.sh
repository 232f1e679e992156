#!/bin/sh
# The web container's start: migrations, the cache table and static files, then gunicorn
# (gunicorn.conf.py: gevent workers, keep-alive). Safe to run in several replicas at once:
# migrate and createcachetable are idempotent and take PostgreSQL's locks.
set -eu
python manage.py migrate --noinput
python manage.py createcachetable
python manage.py collectstatic --noinput -v0
exec gunicorn arena.wsgi:application -c gunicorn.conf.py
