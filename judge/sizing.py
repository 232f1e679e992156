"""How much Lean a judging worker can afford: its concurrency and pre-started pool, derived from
the memory it may use. The memory formula lives here, once (docs/judge.md explains it):

    memory ≈ job limit × ARENA_LEAN_SLOTS
             + one Lean process × concurrency × (pool + kept exporters + 1 replay)
             + ~1 GB for the site

One offline Lean process holds ~3.6 GB before it reads a file (docs/lean.md); a running job may use up
to its memory limit (the slot term). With exporter reuse each judging process keeps, besides its
pool of fresh exporters, one exporter for the owner it served last: the fresh one is the spare a
new owner's submission takes at once (fairness), the kept one the next submission of a batch.

`size_worker` picks the largest concurrency that fits (never more than the cores, nor than the
slots: a second judging process would only wait for the Lean slot), then, if even one process
does not fit, gives up the kept exporter (one job per exporter process), then the pool.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from judge import provisioning
from judge.config import get_config, load_config

GB = 1000**3
GIB = 1024**3
# One idle Lean process: measured offline (3.5–3.7 GB, docs/lean.md); native never measured here.
PROCESS_BYTES = {"offline": int(3.6 * GB), "native": 1 * GIB}
SITE_BYTES = 1 * GB


@dataclasses.dataclass(frozen=True)
class WorkerSizing:
    budget: int  # bytes the worker may use
    source: str  # where that figure came from
    lean: str  # "offline" or "native"
    slots: int
    job_limit: int  # a running job's memory limit
    concurrency: int
    pool_size: int
    kept: int  # exporters kept per judging process for their owner's next submission (0: no reuse)
    reasons: tuple[str, ...] = ()  # what was given up to fit, and why

    @property
    def process(self) -> int:
        return PROCESS_BYTES[self.lean]

    def needed(self, concurrency: int | None = None) -> int:
        concurrency = self.concurrency if concurrency is None else concurrency
        per_worker = (self.pool_size + self.kept + 1) * self.process
        return self.slots * self.job_limit + concurrency * per_worker + SITE_BYTES

    def describe(self) -> str:
        """One line for the worker's start-up log: what it chose and why."""
        reuse = f" + {self.kept} kept exporter" if self.kept else " (one job per exporter process)"
        line = (
            f"judge sizing: {_gb(self.budget)} usable ({self.source}); {self.lean} Lean, "
            f"{_gb(self.process)} a process, {_gb(self.job_limit)} a running job, {self.slots} slot(s): "
            f"concurrency {self.concurrency}, each with a pool of {self.pool_size}{reuse} and 1 replay; "
            f"needs {_gb(self.slots * self.job_limit)} + {self.concurrency} × "
            f"{self.pool_size + self.kept + 1} × {_gb(self.process)} + {_gb(SITE_BYTES)} = {_gb(self.needed())}"
        )
        return "; ".join([line, *self.reasons])


def _gb(n: int) -> str:
    return f"{n / GB:.1f} GB"


def size_worker(
    *,
    budget: int,
    source: str,
    lean: str,
    cores: int,
    slots: int,
    job_limit: int,
    reuse: bool,
    concurrency: int | None = None,
    pool_size: int | None = None,
) -> WorkerSizing:
    """The worker's sizing for `budget` bytes. `concurrency` and `pool_size` given: kept as the
    operator set them (the sizing only reports what they need)."""
    top = concurrency if concurrency is not None else max(1, min(cores, slots))
    sizing = WorkerSizing(
        budget=budget,
        source=source,
        lean=lean,
        slots=slots,
        job_limit=job_limit,
        concurrency=top,
        pool_size=1 if pool_size is None else pool_size,
        kept=1 if reuse else 0,
    )
    reasons: list[str] = []
    if concurrency is None:
        fits = [c for c in range(top, 0, -1) if sizing.needed(c) <= budget]
        sizing = dataclasses.replace(sizing, concurrency=fits[0] if fits else 1)
        if sizing.concurrency < top:
            reasons.append(f"concurrency {sizing.concurrency + 1} would need {_gb(sizing.needed(top))}")
        elif top == slots < cores:
            reasons.append(f"no more than the {slots} Lean slot(s): another process would only wait for one")
    if sizing.needed() > budget and sizing.kept:
        sizing = dataclasses.replace(sizing, kept=0)
        reasons.append("no room for a kept exporter: one job per exporter process")
    if sizing.needed() > budget and sizing.pool_size and pool_size is None:
        sizing = dataclasses.replace(sizing, pool_size=0)
        reasons.append("no room for a pre-started process: every Lean run starts cold")
    if sizing.needed() > budget:
        reasons.append("more than the memory usable: expect the kernel's OOM killer")
    return dataclasses.replace(sizing, reasons=tuple(reasons))


def usable_memory(env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """The memory this worker may use, and where the figure comes from: ARENA_WORKER_MEMORY_MB,
    else its cgroup's limit (a container's), else the machine's total."""
    env = os.environ if env is None else env
    if env.get("ARENA_WORKER_MEMORY_MB"):
        return int(env["ARENA_WORKER_MEMORY_MB"]) * 1024 * 1024, "ARENA_WORKER_MEMORY_MB"
    total = _meminfo_total()
    limit = _cgroup_limit()
    if limit is not None and limit < total:
        return limit, "the worker's cgroup limit"
    return total, "the machine's MemTotal"


def _meminfo_total() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def _cgroup_limit() -> int | None:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, controllers, path = line.split(":", 2)
        if controllers == "":  # v2
            root, name = Path("/sys/fs/cgroup"), "memory.max"
        elif "memory" in controllers.split(","):
            root, name = Path("/sys/fs/cgroup/memory"), "memory.limit_in_bytes"
        else:
            continue
        # In a container on cgroup v1 (Docker 20.10: the host's cgroup namespace) the path names
        # the host's hierarchy while the container's own cgroup is mounted at the root.
        for candidate in (root / path.lstrip("/") / name, root / name):
            try:
                text = candidate.read_text().strip()
            except OSError:
                continue
            if text.isdigit():
                return int(text)
    return None


def size_this_worker(*, concurrency: int | None, env: MutableMapping[str, str] | None = None) -> WorkerSizing:
    """Size the worker that is starting (before it forks its judging processes): its memory,
    its Lean and its settings. The pool size and, when no kept exporter fits, one job per
    exporter process go into `env` (os.environ: the judging processes inherit it) unless the
    operator set them."""
    env = os.environ if env is None else env
    config = load_config(env)
    lean = config.lean
    if lean == "auto":
        lean = "native" if provisioning.find_native_lean() is not None else "offline"
    budget, source = usable_memory(env)
    pool = config.pool_size if env.get("ARENA_LEAN_POOL_SIZE") else None
    sizing = size_worker(
        budget=budget,
        source=source,
        lean=lean,
        cores=os.cpu_count() or 1,
        slots=config.slots,
        job_limit=config.limits_for(lean).memory_bytes,
        reuse=config.exporter_jobs > 1,
        concurrency=concurrency,
        pool_size=pool,
    )
    if not env.get("ARENA_LEAN_POOL_SIZE"):
        env["ARENA_LEAN_POOL_SIZE"] = str(sizing.pool_size)
    if config.exporter_jobs > 1 and not sizing.kept:
        env["ARENA_EXPORTER_JOBS_PER_PROCESS"] = "1"
    get_config.cache_clear()
    return sizing
