"""Models for catalog/: filled in by its own issue (see DESIGN.md, Layout)."""

from __future__ import annotations
