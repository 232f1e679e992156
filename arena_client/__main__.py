"""arena: the command line of the Arena's API.

    python -m arena_client problems [--tag T] [--search S] [--unsolved]
    python -m arena_client problem SLUG              # the template to complete, on stdout
    python -m arena_client submit PROBLEM FILE [--wait] [--run ID] [--callback URL]
    python -m arena_client status ID [--wait]
    python -m arena_client check FILE --problem SLUG [--json]   # Lean's open goals (not a verdict)
    python -m arena_client batch DIR [--wait] [--run ID]   # DIR/<problem>.lean or DIR/<problem>--<n>.lean
    python -m arena_client run --model M --k K [--problems a,b] [DIR]   # open a run, submit DIR to it
    python -m arena_client runs                      # the leaderboard
    python -m arena_client sign-in [--bot MODEL]     # a token from your username and password

ARENA_URL (default http://127.0.0.1:8000) and ARENA_TOKEN configure it. Exit 0 when every
verdict waited for is ACCEPTED (or nothing was waited for), 1 otherwise, 2 on an API error;
`check` exits 0 when Lean left no theorem open, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from getpass import getpass
from pathlib import Path

from arena_client.client import DIR_BATCH_ITEMS, ApiError, ArenaClient


def _print(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _problem_of(path: Path) -> str:
    return path.stem.split("--", 1)[0]


def _submit_dir(client: ArenaClient, directory: str, run: int | None) -> list[int]:
    files = sorted(Path(directory).glob("*.lean"))
    if not files:
        raise SystemExit(f"no .lean files in {directory}")
    ids: list[int] = []
    waited = 0  # ids[:waited] are judged
    for start in range(0, len(files), DIR_BATCH_ITEMS):
        chunk = files[start : start + DIR_BATCH_ITEMS]
        items = [{"problem": _problem_of(f), "code": f.read_text(encoding="utf-8")} for f in chunk]
        while True:
            try:
                batch = client.batch(items, run=run)
                break
            except ApiError as exc:
                if exc.body.get("code") != "too_many_in_flight" or waited >= len(ids):
                    raise
                # a place frees when one of ours is judged: wait for the oldest, then ask again
                print(f"waiting for #{ids[waited]}: {exc.body.get('detail', '')}", file=sys.stderr)
                client.wait(ids[waited])
                waited += 1
        for path, item in zip(chunk, batch["submissions"], strict=True):
            print(f"{item['id']}\t{_problem_of(path)}\t{path.name}", file=sys.stderr)
            ids.append(item["id"])
    return ids


def _wait_all(client: ArenaClient, ids: list[int]) -> int:
    failed = 0
    for submission_id in ids:
        result = client.wait(submission_id)
        print(f"{submission_id}\t{result['problem']}\t{result['verdict'] or result['status']}")
        failed += result["verdict"] != "ACCEPTED"
    return 1 if failed else 0


def _print_check(answer: dict) -> int:
    """The open goals as Lean prints them, each sorry at its line:column, then Lean's errors."""
    result = answer.get("result") or {}
    if result.get("status") != "ok":
        print(f"no proof state ({result.get('status', answer['status'])}): {result.get('refusal', '')}")
        return 1
    for sorry in result.get("sorries", []):
        print(f"sorry at {sorry['line']}:{sorry['column']}:")
        print("  " + sorry["goal"].replace("\n", "\n  "))
    for message in result.get("messages", []):
        if message.get("severity") == "error":
            print(f"error at {message['line']}:{message['column']}: {message['text']}")
    still_open = result.get("open_theorems", [])
    print(f"open: {', '.join(still_open)}" if still_open else "no theorem left open: submit it for the verdict")
    if result.get("truncated"):
        print("(cut short: a bound of the checker was hit)")
    print(answer.get("note", ""), file=sys.stderr)
    return 1 if still_open else 0


def _sign_in(client: ArenaClient, args) -> int:
    username = os.environ.get("ARENA_USERNAME") or input("Username: ")
    password = os.environ.get("ARENA_PASSWORD") or getpass("Password: ")
    token = client.sign_in(username, password, name=args.name, model_name=args.bot)
    print(f"export ARENA_TOKEN={token['key']}")
    print(f"# webhook secret (shown once): {token['webhook_secret']}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="arena", description="The Arena's API from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    problems = commands.add_parser("problems", help="list problems")
    problems.add_argument("--tag", default="")
    problems.add_argument("--difficulty", default="")
    problems.add_argument("--search", default="")
    problems.add_argument("--unsolved", action="store_true")
    commands.add_parser("problem", help="print a problem's template").add_argument("slug")
    submit = commands.add_parser("submit", help="submit one file")
    submit.add_argument("problem")
    submit.add_argument("file")
    submit.add_argument("--wait", action="store_true")
    submit.add_argument("--run", type=int)
    submit.add_argument("--callback", default="")
    status = commands.add_parser("status", help="one submission")
    status.add_argument("id", type=int)
    status.add_argument("--wait", action="store_true")
    check = commands.add_parser("check", help="Lean's open goals of FILE against a problem (not a verdict)")
    check.add_argument("file")
    check.add_argument("--problem", required=True, metavar="SLUG")
    check.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    batch = commands.add_parser("batch", help="submit every DIR/*.lean (problem from the file name)")
    batch.add_argument("dir")
    batch.add_argument("--wait", action="store_true")
    batch.add_argument("--run", type=int)
    run = commands.add_parser("run", help="open a run (and submit DIR to it, then wait and score)")
    run.add_argument("--model", required=True)
    run.add_argument("--k", type=int, required=True)
    run.add_argument("--name", default="")
    run.add_argument("--problems", default="", help="comma-separated slugs; default every problem")
    run.add_argument("dir", nargs="?")
    commands.add_parser("runs", help="the leaderboard of runs")
    sign_in = commands.add_parser(
        "sign-in", help="make a token with your username and password (ARENA_USERNAME, ARENA_PASSWORD, else asked)"
    )
    sign_in.add_argument("--name", default="arena command line", help="the token's name")
    sign_in.add_argument("--bot", metavar="MODEL", default="", help="a bot's token, submitting for MODEL")
    args = parser.parse_args(argv)
    client = ArenaClient()
    try:
        if args.command == "sign-in":
            return _sign_in(client, args)
        if args.command == "problems":
            found = client.problems(
                tag=args.tag, difficulty=args.difficulty, search=args.search, solved="false" if args.unsolved else ""
            )
            for problem in found:
                print(f"{problem['slug']}\t{problem['difficulty']}\t{problem['title']}")
        elif args.command == "problem":
            print(client.problem(args.slug)["template"], end="")
        elif args.command == "submit":
            code = Path(args.file).read_text(encoding="utf-8")
            created = client.submit(args.problem, code, run=args.run, callback_url=args.callback)
            if not args.wait:
                _print(created)
                return 0
            result = client.wait(created["id"])
            _print(result)
            return 0 if result["verdict"] == "ACCEPTED" else 1
        elif args.command == "status":
            result = client.wait(args.id) if args.wait else client.submission(args.id)
            _print(result)
        elif args.command == "check":
            answer = client.check(args.problem, Path(args.file).read_text(encoding="utf-8"))
            if args.json:
                _print(answer)
                return 0 if answer["result"] and not answer["result"]["open_theorems"] else 1
            return _print_check(answer)
        elif args.command == "batch":
            ids = _submit_dir(client, args.dir, args.run)
            return _wait_all(client, ids) if args.wait else 0
        elif args.command == "run":
            problems = [slug for slug in args.problems.split(",") if slug] or None
            opened = client.open_run(args.model, args.k, problems, name=args.name)
            print(f"run {opened['id']}: {client.url}{opened['url']}", file=sys.stderr)
            if args.dir:
                _wait_all(client, _submit_dir(client, args.dir, opened["id"]))
            score = client.run(opened["id"])
            _print({key: score[key] for key in ("id", "model_name", "k", "solved", "attempts", "pass_at_k", "pass_at")})
        elif args.command == "runs":
            for entry in client.runs():
                score = "incomplete" if entry["pass_at_k"] is None else f"{entry['pass_at_k']:.3f}"
                print(f"{entry['id']}\t{entry['model_name']}\tpass@{entry['k']}={score}\tsolved {entry['solved']}")
    except ApiError as exc:
        print(f"arena: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
