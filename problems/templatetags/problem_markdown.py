"""Render problem descriptions: Markdown to HTML, then sanitised with nh3 (authors are not trusted
to write safe HTML, and imported problem sets even less)."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# No images: a remote one would tell a third party who reads the problem (the CSP blocks them
# too, but the sanitiser should not emit what the policy then has to refuse).
ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img", "map", "area"}


@register.filter
def render_markdown(text: str) -> SafeString:
    html = markdown_lib.markdown(text or "", extensions=["fenced_code", "tables"])
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS))  # nh3 has removed anything unsafe
