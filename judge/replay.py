"""The trusted kernel replay: a long-lived Lean process (judge/lean/Replay.lean) that rebuilds
every term from our own request text (judge.replay_request) and adds each declaration to a
kernel environment made of the problem's imports only. It never sees the submission's files or
its `.olean`."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from judge.export_format import Constant, Interner, Name
from judge.lean_runner import LeanRunner, LeanSession, Limits, SessionEnd, SessionError
from judge.replay_request import ReplayError, ReplayOutcome, build_request, parse_reply
from judge.sandbox import LimitHit

__all__ = ["ReplayCrashed", "ReplayError", "ReplayTimeout", "Replayer"]

REPLAY_SOURCE = Path(__file__).with_name("lean") / "Replay.lean"


class ReplayCrashed(ReplayError):
    """The replay process died, hit a limit or did not answer while it checked a request: the
    request is made of the submission's terms, so this is the submission's verdict. `limit` is
    the session's cause (a LimitHit or a SessionEnd)."""

    def __init__(self, message: str, limit: LimitHit | SessionEnd | None) -> None:
        super().__init__(message)
        self.limit = limit


class ReplayTimeout(ReplayCrashed):
    """The kernel did not finish checking the request in time (its wall limit, or no answer)."""


class Replayer:
    """Keeps one replay session alive between verdicts; reopens it when it dies."""

    def __init__(self, runner: LeanRunner, limits: Limits) -> None:
        self.runner = runner
        self.limits = limits
        self._session: LeanSession | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def _ensure_session(self) -> LeanSession:
        if self._session is None or not self._session.alive:
            self._session = self.runner.open_session(
                ("--run", "Replay.lean"), {"Replay.lean": REPLAY_SOURCE.read_bytes()}, self.limits
            )
            # ARENA-READY comes once the program is compiled and reads its stdin
            self._session.wait_for_line(b"ARENA-READY", timeout=self.limits.wall_seconds + 120)
        return self._session

    def replay(
        self,
        *,
        imports: list[str],
        plan: list[list[Constant]],
        interner: Interner,
        axioms_of: list[Name],
        timeout: float,
    ) -> ReplayOutcome:
        with self._lock:
            request_id = f"r{next(self._ids)}"
            payload = build_request(request_id, imports, plan, interner, axioms_of)
            try:
                session = self._ensure_session()
            except SessionError as exc:
                self._session = None
                raise ReplayError(str(exc)) from exc
            try:
                raw = session.request(payload, timeout=timeout)
            except SessionError as exc:
                # the next request opens a fresh session
                self._session = None
                session.close()
                if exc.cause is None:  # it was already gone before our request: not the submission's
                    raise ReplayError(str(exc)) from exc
                if exc.cause in (LimitHit.WALL, SessionEnd.TIMEOUT):
                    raise ReplayTimeout(str(exc), exc.cause) from exc
                raise ReplayCrashed(str(exc), exc.cause) from exc
        return parse_reply(raw, request_id)

    @property
    def ready(self) -> bool:
        return self._session is not None and self._session.alive

    def warm_up(self) -> None:
        """Start (compile) the replay program before the first verdict needs it."""
        with self._lock:
            self._ensure_session()

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
