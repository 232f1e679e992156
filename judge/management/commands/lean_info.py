import dataclasses
import time

from django.core.management.base import BaseCommand, CommandError

from judge.config import get_config
from judge.lean_runner import LeanJob, make_runner

PROBE = b"theorem arena_probe : 2 + 2 = 4 := rfl\n#check arena_probe\n"


class Command(BaseCommand):
    help = "Which Lean the judge uses, its version, where it lives; times one run."

    def add_arguments(self, parser):
        parser.add_argument("--no-run", action="store_true", help="do not run Lean")

    def handle(self, *args, **options):
        config = get_config()
        # A cold run, and no pre-started process left behind to start for nothing.
        runner = make_runner(dataclasses.replace(config, pool_size=0))
        limits = runner.default_limits
        self.stdout.write(f"Lean:      {runner.kind} ({config.lean} requested)")
        self.stdout.write(f"version:   {runner.version()}")
        self.stdout.write(f"location:  {runner.location()}")
        self.stdout.write(f"sandbox:   {runner.sandbox.name}")
        self.stdout.write(
            f"limits:    wall {limits.wall_seconds:g} s, memory {limits.memory_bytes >> 20} MiB, "
            f"output {limits.output_bytes} bytes, {limits.processes} tasks"
        )
        self.stdout.write(
            f"slots:     {config.slots} running Lean jobs per machine ({config.slot_dir}); "
            f"pre-started pool {config.pool_size} per worker process"
        )
        if options["no_run"]:
            return
        started = time.monotonic()
        result = runner.run(LeanJob(args=("--json", "Probe.lean"), files={"Probe.lean": PROBE}))
        total = time.monotonic() - started
        errors = [m for m in result.lean_messages if m.get("severity") == "error"]
        if result.limit_hit or errors or not result.lean_messages:
            raise CommandError(
                f"the probe run failed (limit {result.limit_hit}, {len(errors)} errors): {result.stderr[-500:]}"
            )
        self.stdout.write(
            f"one run:   {result.wall_seconds:.1f} s in Lean ({total:.1f} s in all, "
            f"{'pre-started' if result.prestarted else 'cold'}), peak memory {result.peak_memory_kb >> 10} MiB"
        )
        self.stdout.write(f"message:   {result.lean_messages[0].get('data', '').strip()}")
        runner.close()
