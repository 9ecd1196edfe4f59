"""The tenant sales bot (discord.py). Runs as `python -m bot`; imports no Django (DESIGN.md)."""

__version__ = "0.2.0"
