"""Extracting the offline Lean's .olean library, an archive made by others, on a Python with the
standard library's "data" filter (3.11.4+) and on one without it (Debian bookworm's 3.11.2, the
judge image's base here): the same archives are refused, nothing is written outside the
destination, and a sound archive comes out the same both ways."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest

from judge import provisioning
from judge.provisioning import ProvisioningError


def archive(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes, int]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data, mode = member
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.uid, info.gid = len(data), mode, 4242, 4242
                tar.addfile(info, io.BytesIO(data))
    return path


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, 0o755
    if kind == tarfile.DIRTYPE:
        info.mode = 0o755
    return info


SOUND = [
    special("Init", tarfile.DIRTYPE),
    ("Init.olean", b"olean", 0o644),
    ("Init/Core.olean", b"core", 0o4775),  # set-uid, group-writable: both dropped
    ("Init/tool", b"#!/bin/sh\n", 0o755),
    special("Init/Prelude.olean", tarfile.SYMTYPE, "Core.olean"),
    special("Init/Copy.olean", tarfile.LNKTYPE, "Init/Core.olean"),
]

UNSAFE = {
    "absolute path": [("/tmp/arena-escape-abs", b"x", 0o644)],
    "dot-dot": [("Init/../../escape", b"x", 0o644)],
    "absolute symlink": [special("passwd", tarfile.SYMTYPE, "/etc/passwd")],
    "symlink out": [special("up", tarfile.SYMTYPE, "../..")],
    "file through a symlink out": [special("up", tarfile.SYMTYPE, ".."), ("up/escape", b"x", 0o644)],
    "symlink out through a symlink": [
        special("a", tarfile.DIRTYPE),
        special("a/b", tarfile.DIRTYPE),
        special("a/b/top", tarfile.SYMTYPE, "../.."),  # the destination itself: allowed
        special("out", tarfile.SYMTYPE, "a/b/top/.."),  # written inside, really its parent
    ],
    "hard link out": [special("shadow", tarfile.LNKTYPE, "../../etc/shadow")],
    "absolute hard link": [special("shadow", tarfile.LNKTYPE, "/etc/shadow")],
    "character device": [special("null", tarfile.CHRTYPE)],
    "block device": [special("disk", tarfile.BLKTYPE)],
    "fifo": [special("pipe", tarfile.FIFOTYPE)],
}

HAS_FILTER = hasattr(tarfile, "data_filter")


@pytest.fixture(params=["standard library filter", "own checks"])
def extract(request, monkeypatch):
    if request.param == "standard library filter":
        if not HAS_FILTER:
            pytest.skip("this Python has no tarfile extraction filter (3.11.4+)")
    else:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)  # as on Python 3.11.2
    return provisioning.extract_archive


def everything_under(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


def test_a_sound_archive_is_extracted_with_safe_modes(extract, tmp_path):
    dest = tmp_path / "sandbox" / "lib"
    dest.mkdir(parents=True)
    with tarfile.open(archive(tmp_path / "lib.tar.gz", SOUND)) as tar:
        extract(tar, dest)
    assert everything_under(dest) == {
        "Init",
        "Init.olean",
        "Init/Core.olean",
        "Init/tool",
        "Init/Prelude.olean",
        "Init/Copy.olean",
    }
    assert (dest / "Init.olean").read_bytes() == b"olean"
    assert (dest / "Init" / "Prelude.olean").is_symlink()
    assert (dest / "Init" / "Prelude.olean").read_bytes() == b"core"
    assert (dest / "Init" / "Copy.olean").read_bytes() == b"core"
    core = os.stat(dest / "Init" / "Core.olean").st_mode
    assert not core & (stat.S_ISUID | stat.S_ISGID | stat.S_IWGRP | stat.S_IWOTH)
    assert os.stat(dest / "Init" / "tool").st_mode & stat.S_IXUSR  # an executable stays one
    assert os.stat(dest / "Init.olean").st_uid == os.getuid()  # never the archive's 4242


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_an_unsafe_archive_writes_nothing_outside(extract, tmp_path, case):
    dest = tmp_path / "sandbox" / "lib"
    dest.mkdir(parents=True)
    tgz = archive(tmp_path / "lib.tar.gz", UNSAFE[case])
    before = everything_under(tmp_path)
    with tarfile.open(tgz) as tar:
        if case == "absolute path" and hasattr(tarfile, "data_filter"):
            # The standard filter strips the leading '/' and extracts inside the destination.
            extract(tar, dest)
            assert (dest / "tmp" / "arena-escape-abs").read_bytes() == b"x"
        else:
            with pytest.raises(ProvisioningError, match="unsafe archive member"):
                extract(tar, dest)
    assert everything_under(tmp_path) - before <= {f"sandbox/lib/{p}" for p in everything_under(dest)}
    assert not Path("/tmp/arena-escape-abs").exists()
    assert not (tmp_path / "escape").exists() and not (tmp_path / "sandbox" / "escape").exists()


def test_without_the_filter_the_own_checks_are_used(monkeypatch, tmp_path):
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    calls = []
    monkeypatch.setattr(provisioning, "extract_checked", lambda tar, dest: calls.append(dest))
    with tarfile.open(archive(tmp_path / "lib.tar.gz", SOUND)) as tar:
        provisioning.extract_archive(tar, tmp_path)
    assert calls == [tmp_path]
