"""Re-judge rows of a dump with the local judge and report every disagreement (exit 1 if any)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dumps.services import dataset_verify


class Command(BaseCommand):
    help = "Check a dump's SHA256SUMS and re-judge its rows (all, or --sample N per file) with the local judge."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the dump's folder (unpacked archive)")
        parser.add_argument("--sample", type=int, default=None, help="judge this many random rows per file")
        parser.add_argument("--files", default="solutions,submissions", help="which files (comma-separated)")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, folder: str, sample: int | None, files: str, seed: int, **options):
        path = Path(folder)
        if not path.is_dir():
            raise CommandError(f"{folder} is not a folder")
        if sample is not None and sample < 1:
            raise CommandError("--sample must be at least 1")
        names = [n.strip() for n in files.split(",") if n.strip()]
        unknown = set(names) - {"solutions", "submissions"}
        if unknown:
            raise CommandError(f"unknown file(s): {', '.join(sorted(unknown))}")
        report = dataset_verify(folder=path, sample=sample, files=names, seed=seed)
        for d in report.disagreements:
            row = f" row {d.row_id}" if d.row_id is not None else ""
            self.stdout.write(self.style.ERROR(f"DISAGREE {d.file}{row}: {d.what}"))
        self.stdout.write(
            f"checksums and {report.judged} verdict(s) checked, {len(report.disagreements)} disagreement(s)"
        )
        if not report.ok:
            raise SystemExit(1)
