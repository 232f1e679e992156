"""Hostile markup in a problem statement or a submission renders inert: no script, no event
attribute, no remote image; the Content-Security-Policy forbids them besides."""

from __future__ import annotations

from html.parser import HTMLParser

from django.urls import reverse

from judge.problem_format import ProblemSpec
from problems.services import problem_upsert_from_spec
from submissions.services import submission_create
from tests.site.conftest import SOLVE_ADD

HOSTILE = (
    '<script>alert(1)</script>\n\n<img src="https://evil.example/x.png" onerror="alert(2)">\n\n'
    '<a href="javascript:alert(3)" onclick="alert(4)">click</a> ![tracker](https://evil.example/t.gif)\n\n'
    '<div onmouseover="alert(5)" style="background:url(https://evil.example/b)">hover</div>'
)


class Elements(HTMLParser):
    """Every element of the page as (tag, attributes): text that merely looks like markup is not one."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def assert_inert(html: str) -> None:
    for tag, attributes in Elements(html).elements:
        assert tag not in {"img", "iframe", "object", "embed"}, tag
        if tag == "script":  # only the site's own files, and JSON data, which never runs
            assert attributes.get("src", "").startswith("/static/") or attributes.get("type") == "application/json"
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, name)
            assert "javascript:" not in value and "evil.example" not in value, (tag, name, value)
            assert name != "style", tag


def test_a_hostile_statement_renders_inert(client, db):
    spec = dict(SOLVE_ADD, slug="hostile", title='<script>alert("t")</script>', description=HOSTILE)
    problem_upsert_from_spec(spec=ProblemSpec.from_dict(spec))
    html = client.get(reverse("problem-detail", args=["hostile"])).content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in html  # the title shown as text
    assert_inert(client.get(reverse("problem-list")).content.decode())


def test_a_hostile_submission_renders_inert(signed_in, user, problem, enqueued):
    submission = submission_create(user=user, problem=problem, code=HOSTILE)
    html = signed_in.get(submission.get_absolute_url()).content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the code shown as text
    reopened = signed_in.get(problem.get_absolute_url() + f"?submission={submission.pk}").content.decode()
    assert_inert(reopened)


def test_every_page_carries_the_content_security_policy(client, db):
    response = client.get(reverse("problem-list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<meta name="csp-nonce" content="{nonce}">' in response.content.decode()
    assert nonce not in client.get(reverse("problem-list"))["Content-Security-Policy"]  # fresh per response
