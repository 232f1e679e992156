"""Shared by every test directory: keep it small; each area has its own conftest."""

import pytest


@pytest.fixture(autouse=True, scope="module")
def no_lean_outlives_its_module():
    """A module that judged leaves replay sessions and a pre-started exporter (~3.6 GB each)
    running; the next module's would add to them and the machine runs out of memory and time.
    Stop them when the module ends."""
    yield
    from judge.pipeline import close_judges

    close_judges()


@pytest.fixture(autouse=True)
def users_accept_the_site_licence(request):
    """Users made in tests have accepted the current site licence, as sign-up makes them do;
    a test marked `licence_not_accepted` gets users who have not."""
    if request.node.get_closest_marker("licence_not_accepted"):
        yield
        return
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    from accounts.services import licence_accept

    def accept(sender, instance, created, **kwargs):
        if created:
            licence_accept(user=instance)

    post_save.connect(accept, sender=get_user_model(), dispatch_uid="tests-accept-licence")
    yield
    post_save.disconnect(sender=get_user_model(), dispatch_uid="tests-accept-licence")
