"""Checks on the submitted text, before Lean runs: what the kernel cannot see.

The elaborated environment is checked too (attributes, imports: see `checker`), so a macro that
generates a forbidden attribute is caught there; these textual checks give early, clear errors.
"""

from __future__ import annotations

import re

from judge.lean_lexer import masked
from judge.results import Reason, ReasonCode

MAX_CODE_BYTES = 64 * 1024
# early, readable errors only: the exporter checks the parsed header itself (every form)
_IMPORT = re.compile(r"^\s*(?:public\s+|private\s+)?(?:meta\s+)?import\s+(?:all\s+)?(.+?)\s*$")
# `implemented_by`, `extern`, `export` as attributes, in any spelling: @[…], attribute […],
# «quoted» identifiers, with other attributes around them.
_FORBIDDEN_ATTRIBUTE = re.compile(
    r"(?:@\[|attribute\s*\[)[^\]]*?(?<![\w.'])«?(implemented_by|extern|export)»?(?![\w'])"
)
_PRELUDE = re.compile(r"^\s*prelude\b", re.M)


def normalise_line_endings(code: bytes | str) -> bytes | str:
    """CRLF and lone CR become LF, and a leading UTF-8 byte order mark goes. Browsers send form
    text with CRLF, editors save files with a BOM, and Lean 4.28 refuses both, so the text is
    normalised once, before it is measured, stored or judged."""
    if isinstance(code, bytes):
        return code.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return code.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def check_source(code: bytes | str, allowed_imports: list[str]) -> list[Reason]:
    """Reasons for FORBIDDEN_CONSTRUCT, empty when the text may go to Lean."""
    raw = code.encode("utf-8", "surrogatepass") if isinstance(code, str) else code
    if len(raw) > MAX_CODE_BYTES:
        return [Reason(ReasonCode.CODE_TOO_LARGE, None, f"code is {len(raw)} bytes; the limit is {MAX_CODE_BYTES}")]
    if b"\x00" in raw:
        return [Reason(ReasonCode.NUL_BYTE, None, "code contains a NUL byte")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [Reason(ReasonCode.INVALID_UTF8, None, f"code is not valid UTF-8 (byte {exc.start})")]
    reasons: list[Reason] = []
    stripped = masked(text)
    if _PRELUDE.search(stripped):
        reasons.append(Reason(ReasonCode.PRELUDE, None, "`prelude` is not allowed: the file must import Init"))
    allowed = set(allowed_imports) | {"Init"}
    for line in stripped.splitlines():
        match = _IMPORT.match(line)
        if not match:
            continue
        for module in match.group(1).split():
            if module not in allowed:
                reasons.append(
                    Reason(ReasonCode.FORBIDDEN_IMPORT, module, "imports beyond the problem's are not allowed")
                )
    for match in _FORBIDDEN_ATTRIBUTE.finditer(stripped):
        reasons.append(Reason(ReasonCode.FORBIDDEN_ATTRIBUTE, None, f"the attribute `{match.group(1)}` is not allowed"))
    return _unique(reasons)


def _unique(reasons: list[Reason]) -> list[Reason]:
    seen = set()
    result = []
    for reason in reasons:
        if reason not in seen:
            seen.add(reason)
            result.append(reason)
    return result
