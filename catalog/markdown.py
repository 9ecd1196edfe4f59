"""Product descriptions: Markdown rendered to HTML, then sanitised by nh3 (no scripts, no
inline handlers), so shop-owner text can be shown in the portal safely."""

from __future__ import annotations

import re

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe


def render_markdown(text: str) -> SafeString:
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised just above


# Discord's own extras over Markdown: __underline__, ~~strike~~ and ||spoiler||. Converted to
# HTML before Markdown runs (Markdown would read __x__ as bold); nh3 keeps <u> and <del>.
_DISCORD_INLINE = [
    (re.compile(r"__(?=\S)(.+?)(?<=\S)__", re.S), r"<u>\1</u>"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.S), r"<del>\1</del>"),
    (re.compile(r"\|\|(?=\S)(.+?)(?<=\S)\|\|", re.S), r'<span class="spoiler">\1</span>'),
]


def render_discord(text: str) -> SafeString:
    """A message as Discord shows it: Markdown with single newlines kept, headings, quotes,
    lists and code, plus underline, strikethrough and spoilers."""
    # Discord shows HTML as typed: escape it before Markdown may pass it through ('>' stays,
    # it starts a quote and opens no tag on its own).
    source = (text or "").replace("&", "&amp;").replace("<", "&lt;")
    for pattern, replacement in _DISCORD_INLINE:
        source = pattern.sub(replacement, source)
    html = md.markdown(source, extensions=["sane_lists", "nl2br", "fenced_code"],
                       output_format="html")
    clean = nh3.clean(html, attributes={"span": {"class"}, "a": {"href"}})
    return mark_safe(clean)  # noqa: S308 - sanitised just above
