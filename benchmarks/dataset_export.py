"""Dataset export at scale: N synthetic ACCEPTED submissions (~1 KB of code each) in PostgreSQL,
exported by datasets.services; wall time, rows/s and peak RSS for each N, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arena_datasets_bench \\
        .venv/bin/python benchmarks/dataset_export.py [--sizes 10000,100000] [--problems 100]

The database named in DATABASE_URL is created if missing and its submissions are replaced:
never point it at a database you want to keep. Each measurement runs in a fresh child process,
so its peak RSS (ru_maxrss) is its own. Modes:

- jsonl: problems/solutions/submissions JSONL only (dataset_write_rows(parquet=False));
- full:  dataset_export(): JSONL + Parquet + card + LICENSE + SHA256SUMS + .tar.gz archive.

Every accepted row is written twice (solutions.jsonl and submissions.jsonl): rows/s counts the
N solutions per second of the whole run, not lines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")


def _django():
    import django

    django.setup()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def generate(n_rows: int, n_problems: int) -> None:
    """Replace every problem, user and submission with n_problems problems (published 60 days
    ago, CC-BY-4.0), 1000 users (one in ten opted out) and n_rows accepted submissions."""
    from django.core.management import call_command
    from django.db import connection

    from judge.pipeline import CHECKER_VERSION

    call_command("migrate", verbosity=0)
    result = {
        "verdict": "ACCEPTED",
        "reasons": [],
        "theorems": [{"name": "solveAdd_spec", "status": "proved"}],
        "messages": [],
        "lean_version": "4.28.0",
        "checker_version": CHECKER_VERSION,
        "time_ms": 1300,
        "memory_kb": 0,
    }
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE submissions_judgerun, submissions_submission, problems_problemversion, "
            "problems_problem, accounts_datasetpreference, auth_user RESTART IDENTITY CASCADE"
        )
        cur.execute(
            """INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                      is_active, date_joined)
               SELECT '!', false, 'user' || i, '', '', 'user' || i || '@example.org', false, true, now()
               FROM generate_series(1, 1000) i"""
        )
        cur.execute(
            """INSERT INTO accounts_datasetpreference (user_id, anonymous, updated_at)
               SELECT id, true, now() FROM auth_user WHERE id % 10 = 0"""
        )
        cur.execute(
            """INSERT INTO problems_problem (slug, title, description, imports, preamble, definitions, theorems,
                   reference_solution, tests, difficulty, tags, licence, source, status, created_at, updated_at,
                   declared_imports, import_profile, lean_version, upstream_id)
               SELECT 'problem-' || i, 'Problem ' || i, 'Find x with a + x = b.', '[]', '',
                   '["def solveAdd (a b : Int) : Int"]',
                   %s,
                   'def solveAdd (a b : Int) : Int := b - a', '[]', 'easy', '["arithmetic"]', 'CC-BY-4.0',
                   'benchmark', 'published', now() - interval '60 days', now() - interval '60 days',
                   '[]', 'core', '', ''
               FROM generate_series(1, %s) i""",
            [json.dumps([{"name": "solveAdd_spec", "signature": THEOREM}]), n_problems],
        )
        cur.execute(
            """INSERT INTO problems_problemversion (problem_id, number, imports, preamble, definitions, theorems,
                   fingerprint, created_at)
               SELECT id, 1, imports, preamble, definitions, theorems, md5(slug) || md5(slug), created_at
               FROM problems_problem"""
        )
        # ~1 KB of distinct Lean per row: a real solution followed by a distinct comment block.
        cur.execute(
            """INSERT INTO submissions_submission (user_id, problem_version_id, code, author_kind, model_name,
                   licence, licence_version, status, verdict, result, lean_version, checker_version, judged_by,
                   judging, attempts, created_at, updated_at, finished_at, interactive)
               SELECT 1 + i %% 1000, 1 + i %% %s,
                   'def solveAdd (a b : Int) : Int :=' || chr(10) || '  b - a' || chr(10) || chr(10)
                     || 'theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by' || chr(10)
                     || '  unfold solveAdd' || chr(10) || '  omega' || chr(10)
                     || '-- ' || i || ' ' || repeat(md5(i::text) || chr(10) || '-- ', 26),
                   CASE WHEN i %% 3 = 0 THEN 'machine' ELSE 'human' END,
                   CASE WHEN i %% 3 = 0 THEN 'prover-7b' ELSE '' END,
                   'cc-by-sa-4.0-open-weights', '1', 'finished', 'ACCEPTED', %s, '4.28.0', %s, 'bench',
                   1, 1, now(), now(), now(), false
               FROM generate_series(1, %s) i""",
            [n_problems, json.dumps(result), CHECKER_VERSION, n_rows],
        )
        cur.execute("ANALYZE")


THEOREM = "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b"


def child(mode: str, out_dir: str) -> dict:
    _django()
    from django.conf import settings
    from django.utils import timezone

    from datasets.services import current_checker_version, dataset_export, dataset_write_rows

    settings.ARENA_DATASET_DIR = out_dir
    settings.ARENA_JUDGE = "judge.pipeline.judge_submission"
    started = time.perf_counter()
    if mode == "jsonl":
        folder = Path(out_dir) / "jsonl"
        folder.mkdir(parents=True)
        counts = dataset_write_rows(
            folder=folder, now=timezone.now(), checker_version=current_checker_version(), parquet=False
        )
        size = sum(p.stat().st_size for p in folder.iterdir())
    else:
        dump = dataset_export()
        counts = dump.counts
        size = dump.archive_bytes
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    load = os.getloadavg()[0]
    return {
        "mode": mode,
        "counts": counts,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "bytes": size,
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--problems", type=int, default=100)
    parser.add_argument("--modes", default="jsonl,full")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.out)))
        return
    ensure_database(os.environ["DATABASE_URL"])
    _django()
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        generate(n, args.problems)
        print(f"generated {n:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        for mode in args.modes.split(","):
            with tempfile.TemporaryDirectory() as out:
                proc = subprocess.run(
                    [sys.executable, __file__, "--child", mode, "--out", out],
                    capture_output=True,
                    text=True,
                    check=True,
                )
            result = json.loads(proc.stdout.strip().splitlines()[-1]) | {"n": n}
            assert result["counts"]["solutions"] == n, result
            results.append(result)
            print(json.dumps(result), flush=True)
    print()
    print("| rows | mode | wall (s) | rows/s | exporter CPU (s) | rows/CPU-s | peak RSS (MB) | output (MB) | load |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['n']:,} | {r['mode']} | {r['wall_s']:.2f} | {r['n'] / r['wall_s']:,.0f} | {r['cpu_s']:.2f} "
            f"| {r['n'] / r['cpu_s']:,.0f} | {r['peak_rss_mb']:.0f} | {r['bytes'] / 1e6:.1f} "
            f"| {r['load']:.0f} |"
        )


if __name__ == "__main__":
    main()
