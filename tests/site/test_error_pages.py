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
