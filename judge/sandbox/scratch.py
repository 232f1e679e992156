"""Scratch directories: the only place a sandboxed command may write, read back without
following the links it may plant there."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Collection
from pathlib import Path

from judge.sandbox.base import SANDBOX_GID, SANDBOX_UID


class ScratchDir:
    """A fresh directory owned by the sandbox user; files go in and out without following links.

    The sandboxed command can plant symlinks here, so every host-side open walks the path one
    component at a time with O_NOFOLLOW, and only regular files are read back.
    """

    def __init__(self, root: Path | None = None) -> None:
        base = root if root is not None else Path(tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        sweep_stale(base, "arena-job-", shutil.rmtree)
        self.path = Path(tempfile.mkdtemp(prefix=f"arena-job-{os.getpid()}-", dir=base))
        os.chmod(self.path, 0o700)
        if os.geteuid() == 0:
            os.chown(self.path, SANDBOX_UID, SANDBOX_GID)

    @staticmethod
    def _parts(name: str) -> list[str]:
        parts = name.split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"bad scratch file name {name!r}")
        return parts

    def _open_parent(self, parts: list[str], create: bool) -> int:
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for part in parts[:-1]:
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                        if os.geteuid() == 0:
                            os.chown(
                                part,
                                SANDBOX_UID,
                                SANDBOX_GID,
                                dir_fd=fd,
                                follow_symlinks=False,
                            )
                nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = nfd
        except BaseException:
            os.close(fd)
            raise
        return fd

    def write(self, name: str, data: bytes) -> None:
        parts = self._parts(name)
        dfd = self._open_parent(parts, create=True)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            fd = os.open(parts[-1], flags, 0o644, dir_fd=dfd)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            if os.geteuid() == 0:
                os.chown(
                    parts[-1],
                    SANDBOX_UID,
                    SANDBOX_GID,
                    dir_fd=dfd,
                    follow_symlinks=False,
                )
        finally:
            os.close(dfd)

    def read(self, name: str, cap: int) -> bytes | None:
        """The file's first `cap`+1 bytes (so the caller sees it was too long), None if absent."""
        parts = self._parts(name)
        try:
            dfd = self._open_parent(parts, create=False)
        except OSError:
            return None
        try:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dfd)
        except OSError:
            return None
        finally:
            os.close(dfd)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            return f.read(cap + 1)

    def clear(self, keep: Collection[str] = ()) -> None:
        """Remove everything in the directory but the top-level names in `keep`: what the last
        job of a process that serves several left behind. Links are removed, never followed."""
        fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for name in os.listdir(fd):
                if name in keep:
                    continue
                if stat.S_ISDIR(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                    shutil.rmtree(self.path / name, ignore_errors=True)  # fd-based: no link followed
                else:
                    os.unlink(name, dir_fd=fd)
        finally:
            os.close(fd)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


_last_sweep: dict[str, float] = {}


def sweep_stale(directory: Path, prefix: str, remove: Callable[[str], object]) -> None:
    """Remove what a dead process left behind (`<prefix><pid>-…`: a worker killed mid-job leaves
    its scratch dir, which holds memory on /dev/shm, and empty cgroups). At most once a minute."""
    key = f"{directory}/{prefix}"
    now = time.monotonic()
    if now - _last_sweep.get(key, -1e9) < 60:
        return
    _last_sweep[key] = now
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            pid = entry.name.removeprefix(prefix).split("-", 1)[0]
            if entry.name.startswith(prefix) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                with contextlib.suppress(OSError):
                    remove(entry.path)
