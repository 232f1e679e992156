from django.core.management.base import BaseCommand, CommandError

from judge.provisioning import ProvisioningError, provision


class Command(BaseCommand):
    help = "Install the Lean the judge runs and the sandbox's tools (idempotent, cached per user)."

    def add_arguments(self, parser):
        parser.add_argument("--lean", choices=["auto", "native", "offline"], help="override ARENA_LEAN")

    def handle(self, *args, **options):
        try:
            kind = provision(lean=options["lean"], out=self.stdout)
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Lean ready ({kind})."))
