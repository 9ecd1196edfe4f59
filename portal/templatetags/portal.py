from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ICONS_DIR = Path(__file__).resolve().parent.parent / "icons"


@lru_cache(maxsize=64)
def _svg(name: str) -> str:
    # Lucide icons (ISC), copied from the npm package by `make vendor`; inlined so they take
    # the text colour and cost no request.
    raw = (ICONS_DIR / f"{name}.svg").read_text(encoding="utf-8")
    raw = re.sub(r"<!--.*?-->", "", raw, flags=re.S).strip()
    return re.sub(r'class="[^"]*"', 'class="icon" aria-hidden="true" focusable="false"', raw,
                  count=1)


@register.simple_tag
def icon(name: str, extra_class: str = "") -> SafeString:
    svg = _svg(name)
    if extra_class:
        svg = svg.replace('class="icon"', f'class="icon {escape(extra_class)}"', 1)
    return mark_safe(svg)  # noqa: S308 - our own files, not user input
