"""Render problem descriptions: Markdown to HTML, then sanitised with nh3 (authors are not trusted
to write safe HTML, and imported problem sets even less)."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def render_markdown(text: str) -> SafeString:
    html = markdown_lib.markdown(text or "", extensions=["fenced_code", "tables"])
    return mark_safe(nh3.clean(html))  # nh3 has removed anything unsafe
