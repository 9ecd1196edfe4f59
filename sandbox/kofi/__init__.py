"""A Ko-fi emulator: sends Ko-fi's webhooks, shaped as Ko-fi documents them, to a URL."""

from sandbox.kofi.emulator import KofiEmulator

__all__ = ["KofiEmulator"]
