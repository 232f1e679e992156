"""manage.py import_problems --format F PATH: import a problem set, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from problems.importers import READERS, ImportFileError
from problems.services import ImportAborted, problems_import


class Command(BaseCommand):
    help = "Import problems (as drafts to validate and publish) from arena, codeproof, seed, clever or verina files."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=sorted(READERS()))
        parser.add_argument(
            "path", nargs="?", help="a JSONL file, a folder; for clever, default: the installed clever-bench"
        )
        parser.add_argument("--solutions", help="codeproof: the upstream reference-solution .lean file to compare")
        parser.add_argument("--prefix", help="slug prefix (default: the format's name; for arena, none)")
        parser.add_argument("--lean", action="store_true", help="elaborate every template with Lean first (slow)")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen; store nothing")

    def handle(self, *args, **options):
        fmt, path = options["format"], options["path"]
        if path is None and fmt != "clever":
            raise CommandError("PATH is required for this format")
        kwargs = {"prefix": options["prefix"]} if options["prefix"] else {}
        if options["solutions"]:
            if fmt != "codeproof":
                raise CommandError("--solutions is for --format codeproof")
            kwargs["solutions"] = Path(options["solutions"])
        try:
            read = READERS()[fmt](Path(path) if path else None, **kwargs)
            report = problems_import(read=read, lean=options["lean"], dry_run=options["dry_run"])
        except (ImportFileError, ImportAborted) as exc:
            raise CommandError(f"{exc} (nothing imported)") from exc
        for line in report.lines():
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing stored (the counts say what an import would do)")
