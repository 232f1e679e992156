"""The committed editor bundle is the build of the current sources: scripts/build_editor.sh
records their hash beside it (and, where npm can be reached, scripts/test.sh rebuilds it and
compares the bytes)."""

from __future__ import annotations

from pathlib import Path

from scripts.editor_sources_hash import editor_sources_hash

STATIC = Path(__file__).resolve().parents[2] / "static" / "editor"


def test_the_bundle_was_built_from_the_current_sources():
    recorded = (STATIC / "editor.sources.sha256").read_text().strip()
    assert recorded == editor_sources_hash(), "run scripts/build_editor.sh and commit static/editor/"


def test_the_bundle_loads_nothing_from_elsewhere():
    bundle = (STATIC / "editor.js").read_text()
    assert "cspNonce" in bundle and "import(" not in bundle
    # the Goals panel's two requests (editor/src/goals.js): the page's check URL, the site's poll path
    assert bundle.count("fetch(") == 2
    sources = {path.name: path.read_text() for path in (STATIC.parent.parent / "editor" / "src").glob("*.js")}
    assert [name for name, text in sources.items() if "fetch(" in text] == ["goals.js"]
    assert sources["goals.js"].count('credentials: "same-origin"') == 2
