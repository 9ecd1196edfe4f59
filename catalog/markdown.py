"""Product descriptions: Markdown rendered to HTML, then sanitised by nh3 (no scripts, no
inline handlers), so shop-owner text can be shown in the portal safely."""

from __future__ import annotations

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe


def render_markdown(text: str) -> SafeString:
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised just above
