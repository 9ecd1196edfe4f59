"""Read a rendered page by its data-testid attributes (stdlib parser: no extra dependency)."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _ByTestId(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.open: dict[int, list[str]] = {}
        self.found: dict[str, list[str]] = defaultdict(list)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in VOID:
            return
        testid = dict(attrs).get("data-testid")
        self.stack.append((tag, testid))
        if testid:
            self.open[len(self.stack)] = []

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            depth = len(self.stack)
            open_tag, testid = self.stack.pop()
            if testid:
                self.found[testid].append(" ".join(" ".join(self.open.pop(depth)).split()))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for parts in self.open.values():
            parts.append(data)


def by_testid(html: str) -> dict[str, list[str]]:
    """testid -> the whitespace-normalized text of each element carrying it."""
    parser = _ByTestId()
    parser.feed(html)
    return dict(parser.found)


def cells(row_text: str) -> list[str]:
    return re.split(r"\s{2,}", row_text)
