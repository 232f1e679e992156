"""Make a dataset dump now (the beat task makes one on its schedule)."""

from django.core.management.base import BaseCommand

from dumps.services import dataset_export, dump_root


class Command(BaseCommand):
    help = "Write a dataset dump (JSONL, Parquet, card, LICENSE, SHA256SUMS, archive) to ARENA_DATASET_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--if-changed", action="store_true", help="skip when nothing changed since the last dump")

    def handle(self, *args, if_changed: bool, **options):
        dump = dataset_export(only_if_changed=if_changed)
        if dump is None:
            self.stdout.write("nothing changed since the last dump: no new dump")
            return
        counts = ", ".join(f"{n} {name}" for name, n in dump.counts.items())
        self.stdout.write(f"{dump.name}: {counts} in {dump.seconds:.1f} s")
        self.stdout.write(f"folder  {dump_root() / dump.name}")
        self.stdout.write(f"archive {dump_root() / dump.archive_name} ({dump.archive_bytes:,} bytes)")
        self.stdout.write(f"sha256  {dump.archive_sha256}")
