"""Dataset export at scale: N synthetic ACCEPTED submissions (~1 KB of code each) in PostgreSQL,
exported by dumps.services; wall time, rows/s and peak RSS for each N, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arena_datasets_bench \\
        .venv/bin/python benchmarks/dataset_export.py [--sizes 10000,100000] [--problems 100] \\
        [--modes jsonl,full] [--baseline REV]

The database named in DATABASE_URL is created if missing and its submissions are replaced:
never point it at a database you want to keep. Each measurement runs in a fresh child process,
so its peak RSS (ru_maxrss) is its own. Modes:

- jsonl: problems/solutions/submissions JSONL only (dataset_write_rows(parquet=False));
- full:  dataset_export(): JSONL + Parquet + card + LICENSE + SHA256SUMS + .tar.gz archive.

Every accepted row is written twice (solutions.jsonl and submissions.jsonl): rows/s counts the
N solutions per second of the whole run, not lines.

--baseline REV also runs each mode with the `dumps` package of git revision REV (extracted
with `git archive`, first on the child's sys.path; the rest of the tree is this one), on the
same rows in the same run, and compares the SHA-256 of every JSONL (and Parquet) file the two
wrote: the figures say whether the output stayed byte for byte the same.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import io
import itertools
import json
import os
import resource
import subprocess
import sys
import tarfile
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
    # As the site stores it: the digest the field's pre_save makes, in the migration's SQL.
    digest_sql = importlib.import_module("submissions.migrations.0005_submission_code_digest").DIGEST_SQL
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
            f"""INSERT INTO submissions_submission (user_id, problem_version_id, code, code_digest, author_kind,
                   model_name, licence, licence_version, status, verdict, result, lean_version, checker_version,
                   judged_by, judging, attempts, created_at, updated_at, finished_at, interactive)
               SELECT 1 + i %% 1000, 1 + i %% %s, code, {digest_sql},
                   CASE WHEN i %% 3 = 0 THEN 'machine' ELSE 'human' END,
                   CASE WHEN i %% 3 = 0 THEN 'prover-7b' ELSE '' END,
                   'cc-by-sa-4.0-open-weights', '1', 'finished', 'ACCEPTED', %s, '4.28.0', %s, 'bench',
                   1, 1, now(), now(), now(), false
               FROM (SELECT i, 'def solveAdd (a b : Int) : Int :=' || chr(10) || '  b - a' || chr(10) || chr(10)
                     || 'theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b := by' || chr(10)
                     || '  unfold solveAdd' || chr(10) || '  omega' || chr(10)
                     || '-- ' || i || ' ' || repeat(md5(i::text) || chr(10) || '-- ', 26) AS code
                     FROM generate_series(1, %s) i) generated""",
            [n_problems, json.dumps(result), CHECKER_VERSION, n_rows],
        )
    with connection.cursor() as cur:
        # Outside a transaction: VACUUM sets the hint bits and the visibility map a table that has
        # been live a while has, or else the first export after the insert pays for them alone.
        cur.execute("VACUUM ANALYZE")


THEOREM = "theorem solveAdd_spec (a b : Int) : a + (solveAdd a b) = b"


def child(mode: str, out_dir: str, dumps_from: str | None) -> dict:
    if dumps_from:
        sys.path.insert(0, dumps_from)
    _django()
    from django.conf import settings
    from django.utils import timezone

    from dumps.services import current_checker_version, dataset_export, dataset_write_rows

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
        folder = Path(out_dir) / dump.name
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    load = os.getloadavg()[0]
    # after the measurement: what was written, to compare with the baseline's
    sha256 = {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.suffix in (".jsonl", ".parquet")}
    return {
        "mode": mode,
        "counts": counts,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "bytes": size,
        "load": load,
        "sha256": sha256,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _this_tree() -> str:
    """The checked-out commit, + if the tree has changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    return head.strip() + ("+" if dirty.stdout.strip() else "")


def extract_dumps(rev: str, into: str) -> str:
    """The `dumps` package as it was at rev, in a folder of its own."""
    archive = subprocess.run(["git", "archive", rev, "dumps"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--problems", type=int, default=100)
    parser.add_argument("--modes", default="jsonl,full")
    parser.add_argument("--baseline", metavar="REV", help="also run the dumps package of this git revision")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the table shows the median")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--dumps-from", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.out, args.dumps_from)))
        return
    ensure_database(os.environ["DATABASE_URL"])
    _django()
    with tempfile.TemporaryDirectory() as baseline_dir:
        codes = {_this_tree(): None}
        if args.baseline:
            codes[args.baseline] = extract_dumps(args.baseline, baseline_dir)
        results = run(args, codes)
    print_table(results, baseline=args.baseline)


def run(args, codes: dict[str, str | None]) -> list[dict]:
    """Every (mode, code) args.repeat times, the codes taking turns, on the same generated rows."""
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        started = time.perf_counter()
        generate(n, args.problems)
        print(f"generated {n:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
        for mode, _, (code, dumps_from) in itertools.product(args.modes.split(","), range(args.repeat), codes.items()):
            command = [sys.executable, __file__, "--child", mode]
            if dumps_from:
                command += ["--dumps-from", dumps_from]
            with tempfile.TemporaryDirectory() as out:
                proc = subprocess.run([*command, "--out", out], capture_output=True, text=True, check=True)
            result = json.loads(proc.stdout.strip().splitlines()[-1]) | {"n": n, "code": code}
            assert result["counts"]["solutions"] == n, result
            results.append(result)
            print(json.dumps(result), flush=True)
    return results


def _files_as_baseline(runs: list[dict], base_runs: list[dict]) -> str:
    """Whether every run wrote the same bytes as every run of the baseline."""
    digests = {json.dumps(r["sha256"], sort_keys=True) for r in runs + base_runs}
    if len(digests) == 1:
        return "identical"
    base = base_runs[0]["sha256"]
    differ = {name for r in runs for name, digest in r["sha256"].items() if digest != base.get(name)}
    return "DIFFER: " + ", ".join(sorted(differ or {"(file list)"}))


def print_table(results: list[dict], *, baseline: str | None) -> None:
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r["n"], r["mode"], r["code"]), []).append(r)
    print()
    print(
        "| rows | mode | code | runs | wall (s), median | rows/s | wall range (s) | exporter CPU (s) | rows/CPU-s "
        "| peak RSS (MB) | output (MB) | load | files as baseline |"
    )
    print("|---:|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|")
    for (n, mode, code), runs in groups.items():
        walls = sorted(r["wall_s"] for r in runs)
        r = sorted(runs, key=lambda r: r["wall_s"])[(len(runs) - 1) // 2]  # the median run (lower middle)
        same = "—"
        if baseline and code != baseline:
            same = _files_as_baseline(runs, groups[(n, mode, baseline)])
        print(
            f"| {n:,} | {mode} | {code} | {len(runs)} | {r['wall_s']:.2f} | {n / r['wall_s']:,.0f} "
            f"| {walls[0]:.2f}–{walls[-1]:.2f} | {r['cpu_s']:.2f} | {n / r['cpu_s']:,.0f} | {r['peak_rss_mb']:.0f} "
            f"| {r['bytes'] / 1e6:.1f} | {r['load']:.0f} | {same} |"
        )


if __name__ == "__main__":
    main()
