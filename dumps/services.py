"""Making a dump: stream the rows a dump may hold into JSONL and Parquet, then write the card,
the licence, the checksums and one archive, and record the dump.

Memory stays flat whatever the row count: the submissions arrive as one stream in chunks (the
database works on the next rows while these are written), each line is written as it is made,
and Parquet is written one row group at a time. Duplicates are dropped by the database (a
stored digest of each submission's normalised code), so no set of seen solutions grows here.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import os
import shutil
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.licence import site_licence
from bots.selectors import RunScore, run_scores
from dumps import selectors
from dumps.card import render_card
from dumps.models import DatasetDownload, DatasetDump
from dumps.schema import SCHEMAS
from judge.problem_format import ProblemSpec
from judge.seam import site_judge
from problems.models import Problem, ProblemVersion

logger = logging.getLogger(__name__)

FILES = ("problems", "solutions", "submissions", "runs")
CHECKSUMS_FILE = "SHA256SUMS"
ROW_GROUP_ROWS = 5000
_BUFFER_BYTES = 1 << 20
# Rows per chunk of the submissions' stream (chunked results need libpq 17; one row at a time
# before it, slower but still streaming).
_STREAM_ROWS = 2000
_RUNS_PER_QUERY = 500


def current_checker_version() -> str:
    """The configured judge's checker version, read now."""
    return site_judge().checker_version


def author_pseudonym(user_id: int) -> str:
    key = settings.ARENA_DATASET_PSEUDONYM_KEY.encode()
    return "anon-" + hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


@dataclass
class _TableWriter:
    """One dump file: a JSONL stream and, optionally, a Parquet file in row groups."""

    folder: Path
    name: str
    parquet: bool
    rows: int = 0
    _batch: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.schema = SCHEMAS[self.name]
        self._jsonl = (self.folder / f"{self.name}.jsonl").open("wb", buffering=_BUFFER_BYTES)
        self._parquet = pq.ParquetWriter(self.folder / f"{self.name}.parquet", self.schema) if self.parquet else None

    def write(self, line: bytes, row: dict | None = None) -> None:
        """line: one JSON object and its newline; row: the same parsed, if the caller has it
        (Parquet is written from the line's own values, so the two files cannot disagree)."""
        self._jsonl.write(line)
        self.rows += 1
        if self._parquet is not None:
            self._batch.append(row if row is not None else orjson.loads(line))
            if len(self._batch) >= ROW_GROUP_ROWS:
                self._flush()

    def _flush(self) -> None:
        if self._batch:
            self._parquet.write_table(pa.Table.from_pylist(self._batch, schema=self.schema))
            self._batch = []

    def close(self) -> None:
        self._jsonl.close()
        if self._parquet is not None:
            self._flush()
            self._parquet.close()


def _statement(version: ProblemVersion) -> dict:
    return {
        "imports": list(version.imports),
        "preamble": version.preamble,
        "definitions": list(version.definitions),
        "theorems": [{"name": t["name"], "signature": t["signature"]} for t in version.theorems],
    }


def _problem_row(problem: Problem, version: ProblemVersion) -> dict:
    spec = version.to_spec()
    # No reference solution and no tests: a dump holds only what the problem page shows.
    return {
        "slug": problem.slug,
        "title": problem.title,
        "description": problem.description,
        "version": version.number,
        "fingerprint": version.fingerprint,
        **_statement(version),
        "template": spec.template(),
        "difficulty": problem.difficulty,
        "tags": list(problem.tags),
        "licence": problem.licence,
        "source": problem.source,
        "published_at": problem.first_published_at.isoformat(),
    }


def _axioms(result: dict) -> list[str] | None:
    """The axioms the verdict recorded, if the judge's result lists them (today it does not)."""
    axioms = result.get("axioms")
    if isinstance(axioms, list):
        return sorted({str(a) for a in axioms})
    per_theorem = []
    for theorem in result.get("theorems", []):
        if isinstance(theorem, dict):
            listed = theorem.get("axioms")
            if not isinstance(listed, list):
                return None  # a theorem without its list: the record has no axioms
            per_theorem.append(listed)
    return sorted({str(a) for listed in per_theorem for a in listed}) if per_theorem else None


def _version_head(problem: Problem, version: ProblemVersion) -> dict:
    """What every submission row of this version begins with, its statement serialised once
    (orjson splices a Fragment's bytes as they are: the bytes it would make of the values)."""
    statement = {key: orjson.Fragment(orjson.dumps(value)) for key, value in _statement(version).items()}
    return {
        "problem": problem.slug,
        "problem_version": version.number,
        "problem_fingerprint": version.fingerprint,
        **statement,
    }


def _submission_row(values: tuple, versions: dict[int, dict]) -> dict:
    """The row of one submission, for orjson only (its statement is pre-serialised). Called once
    per row of the dump: kept to plain lookups."""
    (
        sub_id,
        version_id,
        code,
        verdict,
        user_id,
        username,
        anonymous,
        author_kind,
        model_name,
        licence,
        licence_version,
        lean_version,
        checker_version,
        result,
        finished_iso,
        created_iso,
        run_id,
        batch_id,
    ) = values[:18]
    result = orjson.loads(result) if isinstance(result, str | bytes) else (result or {})
    version = versions[version_id]
    # An e-mail address used as a username is not a public handle.
    author = author_pseudonym(user_id) if anonymous or "@" in username else username
    return {
        "id": sub_id,
        **version["head"],
        "code": code,
        "verdict": verdict,
        "author": author,
        "author_kind": author_kind,
        "model_name": model_name,
        "licence": licence,
        "licence_version": licence_version,
        "problem_licence": version["licence"],
        "lean_version": lean_version,
        "checker_version": checker_version,
        "axioms": _axioms(result),
        "theorem_results": _theorem_results(result.get("theorems", [])),
        "reasons": _reasons(result.get("reasons", [])),
        "messages": _messages(result.get("messages", [])),
        "time_ms": result.get("time_ms"),
        "verdict_time": finished_iso,
        "submitted_at": created_iso,
        "run": run_id,
        "batch": batch_id,
    }


def _theorem_results(theorems: list) -> list[dict]:
    return [{"name": str(t.get("name", "")), "status": str(t.get("status", ""))} for t in theorems]


def _reasons(reasons: list) -> list[dict]:
    return [
        {"code": str(r.get("code", "")), "declaration": r.get("declaration"), "detail": str(r.get("detail", ""))}
        for r in reasons
    ]


def _messages(messages: list) -> list[dict]:
    return [
        {
            "severity": str(m.get("severity", "")),
            "line": m.get("line"),
            "column": m.get("column"),
            "end_line": m.get("end_line"),
            "end_column": m.get("end_column"),
            "text": str(m.get("text", "")),
        }
        for m in messages
    ]


def dataset_write_rows(*, folder: Path, now: datetime, checker_version: str, parquet: bool = True) -> dict[str, int]:
    """Write problems, solutions and submissions (JSONL, and Parquet if asked) into folder."""
    writers = {name: _TableWriter(folder, name, parquet) for name in FILES}
    cutoff = selectors.embargo_cutoff(now=now)
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if outermost:
                _consistent_snapshot()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # The duplicate check's subplan makes the estimated cost look large enough for
                    # JIT compilation, which took longer (~0.4 s) than it could ever save here.
                    cursor.execute("SET LOCAL jit = off")
            _write_problems(writers, cutoff=cutoff, checker_version=checker_version)
            _write_runs(writers["runs"])
    finally:
        for writer in writers.values():
            writer.close()
    return {name: writer.rows for name, writer in writers.items()}


def _consistent_snapshot() -> None:
    """Every file from one snapshot: the problems read first and the submissions streamed after
    see the same database. On SQLite one read transaction is that snapshot already (the
    transaction.atomic around the export: its first read fixes what every later read sees)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


def _write_problems(writers: dict[str, _TableWriter], *, cutoff: datetime, checker_version: str) -> None:
    versions: dict[int, dict] = {}  # of the problems whose solutions may be shown
    # the versions of 500 problems in one query, not one query per problem
    for problem in selectors.dataset_problems().prefetch_related("versions").iterator(chunk_size=500):
        problem_versions = selectors.dataset_problem_versions(problem=problem)
        latest = max(problem_versions.values(), key=lambda v: v.number)
        writers["problems"].write(orjson.dumps(_problem_row(problem, latest), option=orjson.OPT_APPEND_NEWLINE))
        if problem.first_published_at <= cutoff:  # else the site still hides its solutions
            for pk, v in problem_versions.items():
                versions[pk] = {"head": _version_head(problem, v), "licence": problem.licence}
    if not versions:
        return
    _write_submissions(writers, versions, checker_version=checker_version)


def _write_submissions(writers: dict[str, _TableWriter], versions: dict[int, dict], *, checker_version: str) -> None:
    sql, params = selectors.dataset_submission_rows_sql(version_ids=versions, checker_version=checker_version)
    submissions, solutions = writers["submissions"], writers["solutions"]
    parquet = submissions.parquet
    # The rows skip Django's per-row converters (times are text already, the result is parsed here).
    for values in _stream(sql, params):
        line = orjson.dumps(_submission_row(values, versions), option=orjson.OPT_APPEND_NEWLINE)
        row = orjson.loads(line) if parquet else None
        submissions.write(line, row)
        if values[-1]:  # is_solution
            solutions.write(line, row)


def _write_runs(writer: _TableWriter) -> None:
    """Every run with its per-problem counts, as the site scores it (bots.selectors.run_scores):
    the counts, not only the dumped attempts, since a run's attempts on a problem still under
    embargo, or judged by an older checker, are not in the dump."""
    runs = selectors.dataset_runs()
    for start in range(0, len(runs), _RUNS_PER_QUERY):
        for score in run_scores(runs[start : start + _RUNS_PER_QUERY]):
            writer.write(orjson.dumps(_run_row(score), option=orjson.OPT_APPEND_NEWLINE))


def _run_row(score: RunScore) -> dict:
    run = score.run
    preference = getattr(run.user, "dataset_preference", None)
    anonymous = preference is not None and preference.anonymous
    return {
        "id": run.pk,
        "name": run.name,
        "model_name": run.model_name,
        "author": author_pseudonym(run.user_id) if anonymous or "@" in run.user.username else run.user.username,
        "k": run.k,
        "created_at": run.created_at.astimezone(UTC).isoformat(),
        "problems": [
            {"problem": p.problem, "attempts": p.attempts, "judged": p.judged, "accepted": p.accepted}
            for p in score.problems
        ],
    }


def _stream(sql: str, params: tuple) -> Iterable[tuple]:
    """The query's rows as they come, never all at once."""
    if connection.vendor == "postgresql":
        chunk = _STREAM_ROWS if psycopg.pq.version() >= 170000 else 1
        # A stream, not a server-side cursor's FETCH after FETCH: the database produces the next
        # chunk while this process writes the last one (two cores at work, not one at a time).
        with connection.connection.cursor() as cursor:
            yield from cursor.stream(sql, params, size=chunk)
        return
    # SQLite steps through the result as it is fetched (no copy of it is made): fetchmany streams.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_STREAM_ROWS):
            yield from rows


def _config_sizes(folder: Path) -> dict[str, dict]:
    """Per config, what the card's dataset_info records: num_bytes, the split's data uncompressed
    (the Parquet row groups' total_byte_size), and download_size, the Parquet file's bytes."""
    sizes = {}
    for name in FILES:
        path = folder / f"{name}.parquet"
        if path.is_file():
            meta = pq.read_metadata(path)
            num_bytes = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
            sizes[name] = {"num_bytes": num_bytes, "download_size": path.stat().st_size}
    return sizes


def _problem_sources(folder: Path) -> list[tuple[str, str, int]]:
    """(source, licence, problems) of the imported problems of the dump, for the card's credit."""
    counted: dict[tuple[str, str], int] = {}
    path = folder / "problems.jsonl"
    if path.is_file():
        with path.open("rb") as f:
            for line in f:
                row = orjson.loads(line)
                if row.get("source"):
                    key = (str(row["source"]), str(row.get("licence") or ""))
                    counted[key] = counted.get(key, 0) + 1
    return [(source, licence, n) for (source, licence), n in sorted(counted.items())]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_BUFFER_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _write_checksums(folder: Path) -> dict[str, dict]:
    files = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name != CHECKSUMS_FILE):
        files[path.name] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    # The format `sha256sum -c SHA256SUMS` reads.
    sums = folder / CHECKSUMS_FILE
    sums.write_text("".join(f"{f['sha256']}  {name}\n" for name, f in files.items()))
    # listed for the downloads too, with its own checksum
    return files | {CHECKSUMS_FILE: {"bytes": sums.stat().st_size, "sha256": sha256_file(sums)}}


def _write_archive(folder: Path, archive: Path) -> None:
    partial = archive.with_name(f".{archive.name}.partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        for path in sorted(folder.iterdir()):
            tar.add(path, arcname=f"{folder.name}/{path.name}", recursive=False)
    os.replace(partial, archive)


def dump_root() -> Path:
    root = Path(settings.ARENA_DATASET_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _free_name(root: Path, base: str) -> str:
    """base, or base-2, base-3...: two dumps in one second keep apart."""
    name, n = base, 1
    while (root / name).exists() or DatasetDump.objects.filter(name=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def dataset_export(*, now: datetime | None = None, only_if_changed: bool = False) -> DatasetDump | None:
    """Make a dump in ARENA_DATASET_DIR and record it; None if only_if_changed and nothing did."""
    started = time.monotonic()
    now = now or timezone.now()
    checker_version = current_checker_version()
    watermark = selectors.dataset_watermark(now=now, checker_version=checker_version)
    latest = selectors.dataset_dump_latest()
    if only_if_changed and latest is not None and latest.watermark == watermark:
        logger.info("dataset unchanged since %s: no new dump", latest.name)
        return None
    licence = site_licence()
    root = dump_root()
    name = _free_name(root, f"arena-{now:%Y%m%d-%H%M%S}")
    folder, partial = root / name, root / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        counts = dataset_write_rows(folder=partial, now=now, checker_version=checker_version)
        (partial / "LICENSE").write_text(licence.text, encoding="utf-8")
        (partial / "README.md").write_text(
            render_card(
                name=name,
                counts=counts,
                licence=licence,
                checker_version=checker_version,
                now=now,
                sizes=_config_sizes(partial),
                sources=_problem_sources(partial),
            ),
            encoding="utf-8",
        )
        files = _write_checksums(partial)
        os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    archive = root / f"{name}.tar.gz"
    _write_archive(folder, archive)
    return DatasetDump.objects.create(
        name=name,
        counts=counts,
        files=files,
        archive_name=archive.name,
        archive_bytes=archive.stat().st_size,
        archive_sha256=sha256_file(archive),
        licence=licence.identifier,
        licence_version=licence.version,
        checker_version=checker_version,
        watermark=watermark,
        seconds=round(time.monotonic() - started, 3),
    )


# --- Verification --------------------------------------------------------------------------


@dataclass
class Disagreement:
    file: str
    row_id: int | None
    what: str


@dataclass
class VerifyReport:
    checked_files: int = 0
    judged: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.disagreements


def _checksum_problems(folder: Path) -> Iterable[Disagreement]:
    sums = folder / CHECKSUMS_FILE
    if not sums.is_file():
        yield Disagreement(CHECKSUMS_FILE, None, "missing")
        return
    for line in sums.read_text().splitlines():
        expected, _, name = line.partition("  ")
        path = folder / name
        if "/" in name or not path.is_file():
            yield Disagreement(name, None, "listed in SHA256SUMS but missing")
        elif sha256_file(path) != expected:
            yield Disagreement(name, None, "checksum differs from SHA256SUMS")


def _sample_rows(path: Path, sample: int | None, seed: int) -> list[dict]:
    """Up to sample rows chosen uniformly (reservoir sampling: one pass, sample rows held)."""
    import random

    chooser = random.Random(seed)
    chosen: list[dict] = []
    with path.open(encoding="utf-8") as f:
        for index, line in enumerate(f):
            if sample is None or len(chosen) < sample:
                chosen.append(json.loads(line))
            else:
                slot = chooser.randrange(index + 1)
                if slot < sample:
                    chosen[slot] = json.loads(line)
    return chosen


def _row_spec(row: dict) -> ProblemSpec:
    return ProblemSpec.from_dict(
        {
            "slug": row["problem"],
            "title": row["problem"],
            "imports": row["imports"],
            "preamble": row["preamble"],
            "definitions": row["definitions"],
            "theorems": row["theorems"],
        }
    )


def _parquet_differences(folder: Path, name: str) -> list[Disagreement]:
    """Where name.parquet and name.jsonl part, row for row, streamed (a batch at a time)."""
    parquet, jsonl = folder / f"{name}.parquet", folder / f"{name}.jsonl"
    if not parquet.is_file():
        return [Disagreement(parquet.name, None, "missing")] if jsonl.is_file() else []
    if not jsonl.is_file():
        return []  # reported as missing by the judging, when asked for
    found: list[Disagreement] = []
    rows = (row for batch in pq.ParquetFile(parquet).iter_batches(batch_size=1000) for row in batch.to_pylist())
    with jsonl.open(encoding="utf-8") as lines:
        for number, (row, line) in enumerate(itertools.zip_longest(rows, lines), start=1):
            expected = orjson.loads(line) if line is not None else None
            if row != expected:
                which = (expected or row or {}).get("id", f"#{number}")
                found.append(Disagreement(parquet.name, which, f"differs from {jsonl.name} (row {number})"))
                if len(found) >= 20:
                    break
    return found


def dataset_verify(
    *, folder: Path, sample: int | None = None, files: Iterable[str] = ("solutions", "submissions"), seed: int = 0
) -> VerifyReport:
    """Check the checksums, then re-judge sample rows of each file with the local judge
    (ARENA_JUDGE) and report every row whose statement or verdict disagrees with the dump."""
    report = VerifyReport()
    report.disagreements.extend(_checksum_problems(folder))
    # What `load_dataset` reads is the Parquet (the card's configs): it must hold the very rows
    # that are judged below, or a Parquet edited (and SHA256SUMS made again) would pass.
    for name in FILES:
        report.disagreements.extend(_parquet_differences(folder, name))
    judge = site_judge()
    for name in files:
        path = folder / f"{name}.jsonl"
        if not path.is_file():
            report.disagreements.append(Disagreement(path.name, None, "missing"))
            continue
        report.checked_files += 1
        for row in _sample_rows(path, sample, seed):
            spec = _row_spec(row)
            if spec.statement_fingerprint != row["problem_fingerprint"]:
                report.disagreements.append(
                    Disagreement(path.name, row["id"], "statement does not match its problem_fingerprint")
                )
                continue
            result = judge.judge(spec, row["code"])
            report.judged += 1
            if str(result.verdict) != row["verdict"]:
                report.disagreements.append(
                    Disagreement(path.name, row["id"], f"dump says {row['verdict']}, the judge says {result.verdict}")
                )
    return report


def dataset_download_record(*, user, dump: DatasetDump, filename: str, via_api: bool) -> DatasetDownload:
    """Keep who took which file under which licence version (the gate checked the acceptance)."""
    licence = site_licence()
    return DatasetDownload.objects.create(
        user=user,
        dump=dump,
        filename=filename[:200],
        licence=licence.identifier,
        licence_version=licence.version,
        via_api=via_api,
    )
