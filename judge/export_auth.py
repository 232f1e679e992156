"""The exporter's output is authenticated: a one-time key, a MAC over every exported byte.

The key travels on the exporter's stdin with the go line (never on the command line: native
Lean can read `/proc/self/cmdline`), before the submission's file is opened. The exporter
writes `["BEGIN"]`, the export's rows, then `["END", <rows>, "<tag>"]` and exits at once. A file
that wrote its own export (to stdout or anywhere else) cannot produce the tag without the key.

What this cannot stop: code of the submission that runs inside the exporter could read the key
from the process's memory. That is why nothing submitted is ever compiled (the compiler gate
in `judge/lean/export/`): the MAC is defence in depth behind it.

The MAC is a polynomial evaluation hash over the prime 2^61 - 1 (the exporter computes it in
interpreted Lean, where HMAC-SHA256 would cost seconds on a large export): each 7-byte chunk
`c` of a line (each line with its newline is cut on its own), with a length marker byte above
it, updates `acc = (acc + c) * r mod p`; the tag is
`acc + s mod p`. With a fresh `(r, s)` per job a forgery succeeds with probability at most
(chunks / p), below 2^-37 for the largest export allowed.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import secrets

PRIME = 2**61 - 1
BEGIN_LINE = '["BEGIN"]'
DONE_LINE = '["DONE"]'  # the job's last line: framing for the runner, after every section
PROBES_LINE = '["PROBES"]'  # the probe section after the export (judge.counterexamples)
CHUNK = 7


class ExportMissing(ValueError):
    """No complete export: the exporter stopped before its end line (crash, kill, or never ran)."""


class ExportTampered(ValueError):
    """An export is there but not the exporter's: bad MAC, wrong count, or bytes after the end."""


@dataclasses.dataclass(frozen=True)
class ExportKey:
    r: int
    s: int

    @classmethod
    def new(cls) -> ExportKey:
        return cls(r=1 + secrets.randbelow(PRIME - 1), s=secrets.randbelow(PRIME))

    def go_line(self, imports: list[str]) -> bytes:
        return (" ".join(["go", str(self.r), str(self.s), *imports]) + "\n").encode()


def tag(key: ExportKey, lines: list[str]) -> int:
    """Each line with its newline is cut into chunks of its own (as the exporter emits them)."""
    acc = 0
    r = key.r
    for line in lines:
        data = (line + "\n").encode("utf-8", "surrogatepass")
        for start in range(0, len(data), CHUNK):
            chunk = data[start : start + CHUNK]
            acc = (acc + int.from_bytes(chunk, "little") + (1 << (8 * len(chunk)))) * r % PRIME
    return (acc + key.s) % PRIME


def sign(key: ExportKey, rows_text: str) -> str:
    """What the exporter writes for `rows_text` (rows, one per line): for test doubles and tests."""
    lines = [BEGIN_LINE, *(line for line in rows_text.split("\n") if line)]
    return "\n".join(lines) + "\n" + json.dumps(["END", len(lines), str(tag(key, lines))]) + "\n"


def authenticate(stdout: str, key: ExportKey) -> str:
    """The export's rows (without BEGIN and END) once the MAC verifies; raises otherwise.

    Lines before BEGIN are the runtime's chatter and are ignored; after END only the offline
    build's `[DEBUG:` lines may follow (it prints them at exit)."""
    return authenticate_sections(stdout, key, None)[0]


def authenticate_sections(stdout: str, key: ExportKey, probe_key: ExportKey | None) -> tuple[str, str | None]:
    """The export's rows, and the probe section's (`["PROBES"]` … its own END, keyed by
    `probe_key`) when it is complete: a probe section cut short (a crash, a limit) is no
    section, not a tampering; one that ends with a wrong MAC is."""
    lines = stdout.split("\n")
    try:
        start = lines.index(BEGIN_LINE)
    except ValueError:
        raise ExportMissing("the exporter wrote no export") from None
    end = _end_of(lines, start, ExportMissing("the export has no end line"))
    main = _verified(lines, start, end, key, "the export's MAC does not verify")
    rest = [i for i in range(end + 1, len(lines)) if _content(lines[i])]
    if not rest:
        return main, None
    if probe_key is None or lines[rest[0]] != PROBES_LINE:
        raise ExportTampered("bytes after the export's end line")
    try:
        probe_end = _end_of(lines, rest[0], ExportMissing("the probe section has no end line"))
    except ExportMissing:
        return main, None
    probes = _verified(lines, rest[0], probe_end, probe_key, "the probe section's MAC does not verify")
    if any(_content(line) for line in lines[probe_end + 1 :]):
        raise ExportTampered("bytes after the probe section's end line")
    return main, probes


def _content(line: str) -> bool:
    """Anything after an end line but the offline build's chatter and the job's last line."""
    return bool(line.strip()) and not line.startswith("[DEBUG:") and line != DONE_LINE


def _end_of(lines: list[str], start: int, missing: ExportMissing) -> int:
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith('["END"')), None)
    if end is None:
        raise missing
    return end


def _verified(lines: list[str], start: int, end: int, key: ExportKey, tampered: str) -> str:
    """The rows between `start` (excluded) and the end line, once its count and tag verify."""
    try:
        end_row = json.loads(lines[end])
        count, claimed = end_row[1], int(end_row[2])
    except (ValueError, IndexError, TypeError) as exc:
        raise ExportTampered("the end line is malformed") from exc
    covered = lines[start:end]
    if len(end_row) != 3 or count != len(covered) or not hmac.compare_digest(str(tag(key, covered)), str(claimed)):
        raise ExportTampered(tampered)
    return "\n".join(covered[1:] + ['["END"]']) + "\n"
