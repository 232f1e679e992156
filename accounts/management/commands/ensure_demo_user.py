"""Create (or reset) the demo account the README's set-up prints."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.services import licence_accept


class Command(BaseCommand):
    help = "Create the user 'demo' (or reset its password) and print the login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", help="default: a new random password")
        parser.add_argument("--staff", action="store_true", help="may use the admin")

    def handle(self, *args, username: str, password: str | None, staff: bool, **options):
        password = password or secrets.token_urlsafe(9)
        user, created = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        if staff:
            user.is_staff = user.is_superuser = True
        user.save()
        # The operator's own account: it contributes under the site licence like any other.
        licence_accept(user=user)
        state = "created" if created else "password reset"
        self.stdout.write(f"username: {username}  password: {password}  ({state})")
