"""Print the SHA-256 of the editor's sources (package.json, package-lock.json, editor/), which
scripts/build_editor.sh records beside the bundle, so a test can tell a stale bundle."""

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def editor_sources_hash() -> str:
    digest = hashlib.sha256()
    editor = ROOT / "editor"
    scripts = sorted([*editor.rglob("*.js"), *editor.rglob("*.mjs")])
    sources = [ROOT / "package.json", ROOT / "package-lock.json", *scripts]
    for path in sources:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


if __name__ == "__main__":
    print(editor_sources_hash())
