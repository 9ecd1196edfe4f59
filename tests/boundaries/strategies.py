"""Hypothesis strategies for form fields and JSON bodies: valid values mixed with what breaks
things (NUL, huge and non-finite numbers, text that grows when upper-cased, odd dates...)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

ABSENT = object()  # the field is left out of the request

NASTY_TEXT = [
    "", " ", "\x00", "a\x00b", "ß" * 40, "ﬃ" * 30, "İ" * 60, "9" * 30, "-1", "0", "-0",
    "NaN", "nan", "Infinity", "-Infinity", "inf", "1e309", "1e999999", "-1e999999",
    "99999999999", "9223372036854775808", "2147483648", "1,5", "1.234,56", "0,001", "0.001",
    "12.345,678", "R$ 19,90", "1e2", "0x10", "\uff11\uff12\uff13", "\u0663", "\u00b2",
    "💥" * 50, "\u202e\u0301", "\ufeff",
    "<script>alert(1)</script>", "' OR 1=1 --", "{{ 7*7 }}", "%(x)s", "x" * 5000,
    "2026-13-45T25:61", "9999-12-31T23:59", "0001-01-01T00:00", "2026-02-30", "\n\r\t",
]
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**31) - 1, 0, -1]).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
)
TEXT = st.text(max_size=80)  # Hypothesis' text has no lone surrogates (they cannot be sent)
NASTY = st.one_of(st.sampled_from(NASTY_TEXT), TEXT, NUMBER_TEXT)


def _choices(field: forms.Field) -> list[str]:
    values = []
    for value, label in getattr(field, "choices", []):
        if isinstance(label, list | tuple):  # an optgroup
            values.extend(str(v) for v, _label in label)
        else:
            values.append(str(value))
    return values


def field_strategy(field: forms.Field, related_ids: list[int] | None = None) -> st.SearchStrategy:
    """What a person or an attacker could type into this field."""
    if isinstance(field, forms.FileField):
        return st.one_of(st.just(ABSENT), st.builds(
            lambda name, body: SimpleUploadedFile(name, body, "application/octet-stream"),
            st.sampled_from(["items.txt", "a.png", "x.gif", "\x00.txt", "ß" * 200 + ".txt",
                             "noext"]),
            st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode),
                      st.just(b"\xff\xfe\x00bad"), st.just(b"GIF89a" + b"\x00" * 50))))
    if isinstance(field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
        ids = [str(i) for i in related_ids or []]
        one = st.one_of(st.sampled_from(ids), NASTY) if ids else NASTY
        return st.lists(one, max_size=4)
    if isinstance(field, forms.BooleanField):
        return st.one_of(st.sampled_from(["on", "", "false", "0", "1", "\x00"]), NASTY)
    if isinstance(field, forms.ChoiceField):
        return st.one_of(st.sampled_from(_choices(field) or [""]), NASTY)
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return st.one_of(NUMBER_TEXT, NASTY)
    if isinstance(field, forms.EmailField):
        return st.one_of(st.emails().map(lambda e: e[:300]), NASTY)
    if isinstance(field, forms.DateTimeField | forms.DateField):
        return st.one_of(st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
                         st.dates().map(str), NASTY)
    max_length = getattr(field, "max_length", None)
    near = [st.text(min_size=max_length - 2, max_size=max_length + 2)] if max_length else []
    return st.one_of(NASTY, *near)


@st.composite
def form_data(draw: Any, fields: dict[str, tuple[Any, st.SearchStrategy]]) -> dict[str, Any]:
    """Valid values, except for up to three fields that get a fuzzed value (or are left out):
    refusals deep inside a form (a column's range, a normalised length) need the rest valid."""
    names = sorted(fields)
    fuzzed = draw(st.sets(st.sampled_from(names), max_size=min(3, len(names)))) if names \
        else set()
    data: dict[str, Any] = {}
    for name in names:
        valid, strategy = fields[name]
        value = draw(st.one_of(strategy, st.just(ABSENT))) if name in fuzzed else valid
        if value is not ABSENT:
            data[name] = value
    return data


# -- JSON bodies ---------------------------------------------------------------------------------
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["\x00", "ß" * 40, "x" * 300]))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([
        deep(20_000), b'{"a": ' * 5000 + b"1" + b"}" * 5000, b'{"x": NaN}', b'{"x": Infinity}',
        b'{"x": -Infinity}', b'{"x": 1e999}', b'{"x": "\\u0000"}', b'{"x": "\\ud800"}',
        b'{"x\\u0000": 1}', b'\xff\xfe{"x": 1}', b'{"x": "\xc3\x28"}', b'{"x": 1}\x00',
        b'{"x": ' + b"9" * 5000 + b"}", b"", b"null", b"[]", b'"text"', b"{", b"}",
        b'{"a": 1, "a": 2}',
    ]),
)
