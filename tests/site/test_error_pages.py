"""404 and 500 are the site's own pages; the 500 page needs no database and no request."""

from __future__ import annotations

from django.template.loader import get_template


def test_not_found_is_styled(client, db):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and "<h1>Not found</h1>" in html and "arena.css" in html


def test_server_error_page_renders_without_context():
    html = get_template("500.html").render({})
    assert "Something went wrong on our side" in html and "arena.css" in html


def test_the_404_page_shows_no_internals(client, db):
    html = client.get("/no/such/page/").content.decode()
    assert "Resolver404" not in html and "There is nothing at this address" in html


def test_a_submission_not_yet_visible_says_to_solve_the_problem(client, other_user, user, problem, enqueued):
    from submissions.services import submission_create
    from tests.site.conftest import GOOD_CODE

    theirs = submission_create(user=user, problem=problem, code=GOOD_CODE)
    client.force_login(other_user)
    response = client.get(theirs.get_absolute_url())
    assert response.status_code == 403
    html = response.content.decode()
    assert "solve the problem first" in html and problem.get_absolute_url() in html and GOOD_CODE not in html
    assert client.get("/submissions/999999/").status_code == 404


def test_a_staff_page_tells_a_signed_in_user_it_is_for_the_staff(client, other_user):
    client.force_login(other_user)
    response = client.get("/problems/moderation/")
    assert response.status_code == 403 and "For the site's staff" in response.content.decode()
    client.logout()
    assert client.get("/problems/moderation/")["Location"].startswith("/accounts/login/")


def test_a_failed_submission_of_someone_else_says_only_its_author_sees_it(client, other_user, user, problem, enqueued):
    from submissions.models import Submission
    from submissions.services import submission_create
    from tests.site.conftest import GOOD_CODE

    theirs = submission_create(user=user, problem=problem, code=GOOD_CODE)
    Submission.objects.filter(pk=theirs.pk).update(status="finished", verdict="COMPILE_ERROR")
    client.force_login(other_user)
    html = client.get(theirs.get_absolute_url()).content.decode()
    assert "only its author sees a submission that was not accepted" in html
