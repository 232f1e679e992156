"""gunicorn settings for the Arena (scripts/up.sh and the web image: gunicorn -c gunicorn.conf.py).

gevent workers: each connection is a greenlet, so clients that connect and then send nothing,
or trickle a header line every few seconds, hold a greenlet each (cheap) and never a worker;
with sync workers two such clients stopped the site. Every name is read from the environment.

WEB_WORKER_CLASS=gthread (WEB_THREADS per process) is for a site behind a proxy that reads whole
requests before it forwards them (nginx does by default): a slow client is then the proxy's, and
gthread keeps one PostgreSQL connection per thread with DATABASE_URL=…?conn_max_age=60, which
polling needs (benchmarks/README.md, docs/operations.md). Do not give gevent workers conn_max_age:
each client connection's greenlet opens its own, left open after the client goes.
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}")
worker_class = os.environ.get("WEB_WORKER_CLASS", "gevent")
workers = int(os.environ.get("WEB_WORKERS", "2"))
# gthread only: threads per process (on 2 idle cores 4 polled faster than 8: benchmarks/README.md)
threads = int(os.environ.get("WEB_THREADS", "4")) if worker_class == "gthread" else 1
# Open connections per worker (idle and slow clients included) before new ones wait.
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", "1000"))
# Keep-alive between requests of one client (a proxy in front re-uses connections).
keepalive = int(os.environ.get("WEB_KEEPALIVE_SECONDS", "5"))
# A request that takes longer is cut off and its worker restarted.
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS", "30"))
graceful_timeout = 20
# Bounded requests: the largest legitimate body is a 64 KiB submission (JSON-escaped).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Which proxies may set X-Forwarded-Proto/For (gunicorn's own check; Django reads them too).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = os.environ.get("WEB_ERROR_LOG", "-")
control_socket_disable = True
