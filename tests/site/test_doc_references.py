"""Every path the documents and the code's comments cite exists in the repository, every document
they name is in it, and none cites the development machines' shared folder: the project stands
on its own files (issue 33)."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "var",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "staticfiles",
    "screenshots",
    ".schemathesis",
    "exports",  # tests/judge/exports: recorded Lean output, not prose
    "vendor",  # static/vendor: third-party files
}
TEXT_SUFFIXES = {".py", ".md", ".lean", ".sh", ".toml", ".yml", ".yaml", ".txt", ".html", ".mjs", ".c"}
TOP_DIRS = sorted(
    p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in SKIP_DIRS and not p.name.startswith(".")
)
EXTENSIONS = r"py|md|lean|sh|toml|yml|json|jsonl|txt|html|js|mjs|c|sha256|Dockerfile|lock"
# a repository path: starts with a top-level folder (not after "/" or a word: URLs and absolute
# paths are not repository paths) and ends with a file extension or a slash
CITED_PATH = re.compile(rf"(?<![\w/.~-])((?:{'|'.join(TOP_DIRS)})/[\w./-]*?(?:\.(?:{EXTENSIONS})\b|/))")
CITED_DOC = re.compile(r"(?<![\w/.-])([A-Z][A-Z0-9_-]*\.md)\b")
SHARED = re.compile(r"/work/shared|\.\./shared\b")
# generated at run time, not kept in the repository
RUNTIME = {"static/editor/editor.js.sha256"}


def _files():
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in names:
            path = Path(folder) / name
            if path.suffix in TEXT_SUFFIXES or name.endswith(".Dockerfile"):
                yield path


CODE_OR_LINK = re.compile(r"`([^`]+)`|\]\(([^)]+)\)")


def _cited_in(line: str, source: Path) -> list[str]:
    """Paths a line cites: in a document, those in `code` or a link (prose such as
    "problems/solutions/submissions" is not a path); in code, anywhere."""
    if source.suffix == ".md":
        line = " ".join(a or b for a, b in CODE_OR_LINK.findall(line))
    return [m.group(1).rstrip(".") for m in CITED_PATH.finditer(line)]


def _exists(cited: str, source: Path) -> bool:
    if cited in RUNTIME or any(mark in cited for mark in "<>*{}…"):
        return True
    if cited.endswith("/") and source.suffix != ".md":
        return True  # in code a trailing slash is a URL route; folders are checked in the documents
    # a template or static file is named by its path under templates/ or static/
    candidates = [ROOT / cited, ROOT / "templates" / cited, ROOT / "static" / cited]
    candidates += [app / "templates" / cited for app in ROOT.iterdir() if app.name in TOP_DIRS]
    return any(c.exists() for c in candidates)


def test_every_cited_path_exists():
    missing = []
    for path in _files():
        if path == Path(__file__):
            continue
        text = path.read_text(errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            for cited in _cited_in(line, path):
                if not _exists(cited, path):
                    missing.append(f"{path.relative_to(ROOT)}:{number}: {cited}")
    assert not missing, "cited but not in the repository:\n" + "\n".join(missing)


def test_every_cited_document_exists():
    documents = {p.name for p in _files() if p.suffix == ".md"}
    missing = []
    for path in _files():
        if path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in CITED_DOC.finditer(line):
                if match.group(1) not in documents:
                    missing.append(f"{path.relative_to(ROOT)}:{number}: {match.group(1)}")
    assert not missing, "documents cited but not in the repository:\n" + "\n".join(missing)


def test_nothing_cites_the_development_machines_shared_folder():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _files()
        if path != Path(__file__)
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if SHARED.search(line)
    ]
    assert not found, found
