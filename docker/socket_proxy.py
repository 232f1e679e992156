"""The judge's only way to the Docker daemon: a proxy that forwards what the Docker sandbox
backend (judge/sandbox/docker.py) calls and refuses everything else (403).

A plain socket mount would give the judge worker root on the host (a privileged container with
/ bound in). Here the judge may only
- create a container from an allowed image (--image) whose host config is the sandbox's: no
  network, read-only root, all capabilities dropped, no-new-privileges, a memory and a pids
  limit, bind mounts only below allowed host prefixes (--bind-prefix), nothing else set; run as
  a non-root user; labelled arena.job=1;
- attach to, start, wait for, kill, inspect, read the stats of and remove containers labelled
  arena.job=1 (never the database's, never its own);
- ping and read the version.
A job container whose judge goes away (its `wait` connection closes before the answer) is
killed and removed: the job's wall clock is kept by the judge, nothing else would stop it.
Every request is forwarded on its own daemon connection and the connection closes after the
answer, so a second request cannot ride unchecked on a kept-alive one. Standard library only.

    python socket_proxy.py --listen 0.0.0.0:2375 --docker /var/run/docker.sock \
        --image arena-judge:latest --bind-prefix /var/lib/arena/scratch
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys

API = r"(?:/v1\.\d+)?"
ID = r"([0-9A-Za-z_.-]+)"
ROUTES = [
    ("GET", re.compile(rf"^{API}/_ping$"), None),
    ("HEAD", re.compile(rf"^{API}/_ping$"), None),
    ("GET", re.compile(rf"^{API}/version$"), None),
    ("POST", re.compile(rf"^{API}/containers/create$"), "create"),
    ("POST", re.compile(rf"^{API}/containers/{ID}/(attach|start|wait|kill)$"), "job"),
    ("GET", re.compile(rf"^{API}/containers/{ID}/(json|stats)$"), "job"),
    ("DELETE", re.compile(rf"^{API}/containers/{ID}$"), "job"),
]
# The host config keys the sandbox sets; any other key must be empty.
HOST_KEYS = {
    "NetworkMode",
    "ReadonlyRootfs",
    "Mounts",
    "Memory",
    "MemorySwap",
    "PidsLimit",
    "CapDrop",
    "SecurityOpt",
    "Ulimits",
    "LogConfig",
    "Init",
    "IpcMode",
}


class Refused(Exception):
    pass


def check_create(body: dict, images: set[str], prefixes: list[str]) -> None:
    """Refuse any container the sandbox would not ask for."""
    if body.get("Image") not in images:
        raise Refused(f"image {body.get('Image')!r} is not allowed")
    if (body.get("Labels") or {}).get("arena.job") != "1":
        raise Refused("a job container carries the label arena.job=1")
    user = str(body.get("User") or "")
    if not user or user.split(":")[0] in ("0", "root"):
        raise Refused("a job container runs as a non-root user")
    if not body.get("NetworkDisabled"):
        raise Refused("a job container has no network")
    host = body.get("HostConfig") or {}
    check_host(host)
    check_mounts(host.get("Mounts") or [], prefixes)


def check_host(host: dict) -> None:
    extra = sorted(k for k, v in host.items() if k not in HOST_KEYS and v not in (None, "", [], {}, False, 0))
    if extra:
        raise Refused(f"host config keys not allowed: {', '.join(extra)}")
    if host.get("NetworkMode") != "none":
        raise Refused("a job container has no network")
    if host.get("ReadonlyRootfs") is not True:
        raise Refused("a job container has a read-only root")
    if host.get("CapDrop") != ["ALL"]:
        raise Refused("a job container drops all capabilities")
    if host.get("IpcMode") not in (None, "", "none", "private"):
        raise Refused("a job container has its own IPC namespace")
    security = host.get("SecurityOpt") or []
    if "no-new-privileges" not in security or any("unconfined" in o for o in security):
        raise Refused("a job container has no-new-privileges and keeps seccomp/AppArmor")
    if not (host.get("Memory") or 0) > 0 or not (host.get("PidsLimit") or 0) > 0:
        raise Refused("a job container has a memory and a pids limit")


def check_mounts(mounts: list[dict], prefixes: list[str]) -> None:
    for mount in mounts:
        source = str(mount.get("Source") or "")
        if mount.get("Type") != "bind" or ".." in source.split("/"):
            raise Refused("only bind mounts of plain paths")
        below = any(source.startswith(p.rstrip("/") + "/") for p in prefixes)
        if not below and source not in prefixes:
            raise Refused(f"bind source {source!r} is outside the allowed prefixes")
        if not mount.get("ReadOnly") and not below:
            raise Refused("a writable bind is a directory below a prefix, never a prefix itself")


async def daemon_json(socket_path: str, path: str, method: str = "GET") -> tuple[int, dict]:
    reader, writer = await asyncio.open_unix_connection(socket_path)
    try:
        writer.write(f"{method} {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, (json.loads(body) if status == 200 and body else {})


async def reap(socket_path: str, cid: str) -> None:
    """Kill and remove a job container whose judge went away (it would run on unwatched: the
    wall clock is the judge's)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        await daemon_json(socket_path, f"/containers/{cid}?force=1", method="DELETE")
        print(f"arena socket proxy: removed job container {cid[:12]}, its judge went away", flush=True)


async def check_job(socket_path: str, cid: str) -> None:
    status, info = await daemon_json(socket_path, f"/containers/{cid}/json")
    if status != 200 or ((info.get("Config") or {}).get("Labels") or {}).get("arena.job") != "1":
        raise Refused("not a job container")


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, half_close: bool) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        if half_close and writer.can_write_eof():
            writer.write_eof()


async def watch_the_judge(client_r: asyncio.StreamReader, answer: asyncio.Task, socket_path: str, cid: str) -> None:
    """A judge waits for each of its job containers on a connection it never writes to again nor
    closes before the container's exit: its end (EOF) while the container runs means the judge
    died (docker kill, OOM). The job must not outlive it: kill and remove the container."""
    gone = asyncio.create_task(client_r.read(1))
    await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
    if gone.done() and not answer.done() and _ended(gone):
        # (the daemon sends the answer's head at once, its body at the exit: a judge that read
        # the whole answer may close before the daemon does; the container has then exited)
        with contextlib.suppress(OSError, ValueError, IndexError):
            _, info = await daemon_json(socket_path, f"/containers/{cid}/json")
            if (info.get("State") or {}).get("Running"):
                await reap(socket_path, cid)
    gone.cancel()


def _ended(read: asyncio.Task) -> bool:
    """A read of the client's side saw its end (EOF, or a reset)."""
    try:
        return read.result() == b""
    except (ConnectionError, OSError):
        return True


def answer(writer: asyncio.StreamWriter, status: str, message: str) -> None:
    body = json.dumps({"message": message}).encode()
    writer.write(
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n\r\n".encode()
        + body
    )


async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, opts: argparse.Namespace) -> None:
    try:
        head = await client_r.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        path = target.split("?", 1)[0]
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
        if "chunked" in headers.get("transfer-encoding", ""):
            raise Refused("chunked request bodies are not accepted")
        body = await client_r.readexactly(int(headers.get("content-length") or 0))
        route = next(((kind, m) for verb, rx, kind in ROUTES if verb == method and (m := rx.match(path))), None)
        if route is None:
            raise Refused(f"{method} {path} is not something the sandbox calls")
        kind, match = route
        if kind == "create":
            check_create(json.loads(body or b"{}"), set(opts.image), opts.bind_prefix)
        elif kind == "job":
            await check_job(opts.docker, match.group(1))
    except Refused as exc:
        answer(client_w, "403 Forbidden", f"arena socket proxy: {exc}")
        await client_w.drain()
        client_w.close()
        return
    except (asyncio.IncompleteReadError, ValueError, UnicodeDecodeError, IndexError):
        answer(client_w, "400 Bad Request", "arena socket proxy: bad request")
        with contextlib.suppress(ConnectionError):
            await client_w.drain()
        client_w.close()
        return
    upgrade = "upgrade" in headers.get("connection", "").lower()
    kept = [h for h in lines[1:] if h and h.split(":", 1)[0].strip().lower() != "connection"]
    kept.append("Connection: Upgrade" if upgrade else "Connection: close")
    daemon_r, daemon_w = await asyncio.open_unix_connection(opts.docker)
    daemon_w.write(("\r\n".join([lines[0], *kept]) + "\r\n\r\n").encode("latin-1") + body)
    await daemon_w.drain()
    # attach: the job's stdin flows to the daemon after the answer's head, until the client
    # half-closes (EOF on stdin); the exchange ends when the daemon closes its side.
    stdin = asyncio.create_task(pipe(client_r, daemon_w, half_close=True)) if upgrade else None
    answer_task = asyncio.create_task(pipe(daemon_r, client_w, half_close=False))
    if kind == "job" and path.endswith("/wait"):
        await watch_the_judge(client_r, answer_task, opts.docker, match.group(1))
    await answer_task
    if stdin is not None:
        stdin.cancel()
    for w in (client_w, daemon_w):
        with contextlib.suppress(Exception):
            w.close()


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="0.0.0.0:2375", help="host:port to serve")
    parser.add_argument("--docker", default="/var/run/docker.sock", help="the daemon's unix socket")
    parser.add_argument("--image", action="append", required=True, help="an image jobs may use")
    parser.add_argument("--bind-prefix", action="append", required=True, help="a host path binds may come from")
    opts = parser.parse_args(argv)
    host, _, port = opts.listen.rpartition(":")
    server = await asyncio.start_server(lambda r, w: handle(r, w, opts), host, int(port))
    print(f"arena socket proxy on {opts.listen} -> {opts.docker}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
