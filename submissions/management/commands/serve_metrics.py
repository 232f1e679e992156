"""Serve Prometheus metrics on a port of their own: manage.py serve_metrics --port 9100."""

import time

from django.core.management.base import BaseCommand
from prometheus_client import CollectorRegistry, start_http_server

from submissions.metrics import ArenaCollector


class Command(BaseCommand):
    help = "Serve /metrics (queues, submissions, verdict latency, Lean time) on its own port."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=9100)
        parser.add_argument("--addr", default="127.0.0.1", help="0.0.0.0 only on a private network")

    def handle(self, *args, port: int, addr: str, **options):
        registry = CollectorRegistry(auto_describe=False)
        registry.register(ArenaCollector(close_connections=True))
        start_http_server(port, addr=addr, registry=registry)
        self.stdout.write(f"metrics on http://{addr}:{port}/metrics", ending="\n")
        self.stdout.flush()
        while True:
            time.sleep(3600)
