"""Okta System Log query language for `GET /api/v1/logs`: `filter` and `q`.

`filter` is SCIM-like: `eventType eq "user.session.start" and actor.id sw "00u"`,
with `eq`, `ne`, `sw`, `co`, `pr`, `and`, `or`, `not` and parentheses. A path
that crosses an array (`target.id`) matches when any element matches.

A filter compiles to a predicate over LogEvent dicts, which decides, plus where it
can a `narrowing`: a database condition every match satisfies (on the indexed `event_type`
and `actor_id` columns), so that `eventType eq "..."` reads only that type's rows. The rest
is tested row by row, at most HOOKS_LOG_SCAN_LIMIT rows a request (hooks/systemlog/scan.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.db.models import Q

Predicate = Callable[[dict], bool]


@dataclass(frozen=True)
class Clause:
    """A compiled (part of a) filter: the exact test, and supersets of it (or None): one in
    SQL, and one on the event's stored JSON text, which is much cheaper than decoding it."""

    predicate: Predicate
    narrowing: Q | None = None
    text_test: Callable[[str], bool] | None = None


# Characters that read the same in the stored JSON text (SQLite: json.dumps; PostgreSQL:
# jsonb's text) as in the decoded value: printable ASCII except the quote and the backslash.
_SAME_IN_JSON_TEXT = re.compile(r"[ !#-\[\]-~]+")
# For `q` terms also no JSON punctuation, so that a term never spans two fields (whose order
# PostgreSQL's jsonb may change).
_WITHIN_ONE_JSON_VALUE = re.compile(r"[!#-+\--9;-Z^-z|~]+")


def text_contains(value: str) -> Callable[[str], bool] | None:
    """A superset test "the stored JSON text contains `value`", when that is exact enough."""
    if not _SAME_IN_JSON_TEXT.fullmatch(value):
        return None
    return lambda text: value in text


# Indexed columns holding the JSON value: eventType is a catalog name; actor.id is stored as
# str(value or "")[:255] (hooks/systemlog/publishing.py), exact for the values _inexact() lets
# through.
_NARROWABLE = {("eventType",): "event_type", ("actor", "id"): "actor_id"}
_COLUMN_LENGTH = 255
# How non-string ids read in the column ("", "True") and in a comparison ("0", "true"):
# a value one of these could satisfy must not become SQL.
_NON_STRING_RENDERINGS = ("0", "0.0", "-0.0", "false", "true", "[]", "{}")

TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<paren>[()])|(?P<word>[A-Za-z_][\w.]*))'
)
OPERATORS = {"eq", "ne", "sw", "co", "pr", "gt", "ge", "lt", "le"}
# Parentheses and `not` recurse once per level, in the parser and in the predicate; a
# bound well below Python's recursion limit makes a deep filter a 400, not a 500.
MAX_NESTING = 50


class LogQueryError(ValueError):
    """A filter that does not parse; the message says where."""


def _values(document, path: list[str]) -> list:
    if not path:
        return [document]
    if isinstance(document, list):
        return [v for item in document for v in _values(item, path)]
    if isinstance(document, dict):
        if path[0] not in document:
            return []
        return _values(document[path[0]], path[1:])
    return []


def _compare(op: str, actual, expected: str) -> bool:
    if actual is None:
        return op == "ne"
    text = str(actual).lower() if isinstance(actual, bool) else str(actual)
    if op == "eq":
        return text == expected
    if op == "ne":
        return text != expected
    if op == "sw":
        return text.startswith(expected)
    if op == "co":
        return expected in text
    ordered = {
        "gt": text > expected,
        "ge": text >= expected,
        "lt": text < expected,
        "le": text <= expected,
    }
    return ordered[op]


class _Parser:
    def __init__(self, text: str):
        self.tokens: list[tuple[str, str, int]] = []
        position = 0
        while position < len(text):
            if text[position:].strip() == "":
                break
            match = TOKEN.match(text, position)
            if not match:
                raise LogQueryError(f"Unexpected character at column {position + 1}")
            kind = cast(str, match.lastgroup)  # every alternative of TOKEN is a named group
            self.tokens.append((kind, match.group(kind), match.start(kind) + 1))
            position = match.end()
        self.index = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise LogQueryError("The filter ends too early")
        self.index += 1
        return token

    def parse(self) -> Clause:
        clause = self.disjunction()
        token = self.peek()
        if token is not None:
            raise LogQueryError(f"Unexpected '{token[1]}' at column {token[2]}")
        return clause

    def disjunction(self) -> Clause:
        parts = [self.conjunction()]
        while (token := self.peek()) and token[1].lower() == "or":
            self.take()
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        tests = [part.predicate for part in parts]
        narrowings = [part.narrowing for part in parts if part.narrowing is not None]
        narrowing: Q | None = None
        if len(narrowings) == len(parts):  # one unnarrowed part: any row
            narrowing = Q()
            for part_narrowing in narrowings:
                narrowing |= part_narrowing
        text_tests = [part.text_test for part in parts if part.text_test is not None]
        text_test: Callable[[str], bool] | None = None
        if len(text_tests) == len(parts):
            text_test = lambda text: any(test(text) for test in text_tests)  # noqa: E731
        return Clause(lambda e: any(test(e) for test in tests), narrowing, text_test)

    def conjunction(self) -> Clause:
        parts = [self.unary()]
        while (token := self.peek()) and token[1].lower() == "and":
            self.take()
            parts.append(self.unary())
        if len(parts) == 1:
            return parts[0]
        tests = [part.predicate for part in parts]
        narrowings = [part.narrowing for part in parts if part.narrowing is not None]
        narrowing: Q | None = None
        if narrowings:
            narrowing = Q()
            for part in narrowings:
                narrowing &= part
        text_tests = [part.text_test for part in parts if part.text_test is not None]
        text_test: Callable[[str], bool] | None = None
        if text_tests:
            text_test = lambda text: all(test(text) for test in text_tests)  # noqa: E731
        return Clause(lambda e: all(test(e) for test in tests), narrowing, text_test)

    def unary(self) -> Clause:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise LogQueryError(f"Parentheses and 'not' nest more than {MAX_NESTING} deep")
        try:
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Clause:
        token = self.take()
        if token[0] == "word" and token[1].lower() == "not":
            inner = self.unary().predicate
            return Clause(lambda e: not inner(e))
        if token[1] == "(":
            group = self.disjunction()
            closing = self.take()
            if closing[1] != ")":
                raise LogQueryError(f"Expected ')' at column {closing[2]}")
            return group
        if token[0] != "word":
            raise LogQueryError(f"Expected a field name at column {token[2]}")
        path = token[1].split(".")
        op_token = self.take()
        op = op_token[1].lower()
        if op not in OPERATORS:
            raise LogQueryError(f"Unknown operator '{op_token[1]}' at column {op_token[2]}")
        if op == "pr":
            return Clause(lambda e: any(v is not None for v in _values(e, path)))
        value_token = self.take()
        if value_token[0] != "string":
            raise LogQueryError(f'Expected a "quoted value" at column {value_token[2]}')
        expected = re.sub(r"\\(.)", r"\1", value_token[1][1:-1])
        if op == "ne":
            return Clause(lambda e: all(_compare("ne", v, expected) for v in _values(e, path)))
        return Clause(
            lambda e: any(_compare(op, v, expected) for v in _values(e, path)),
            _narrowing(tuple(path), op, expected),
            # A value that eq/sw/co accepts contains `expected` (numbers and booleans too:
            # they are compared as the text they are stored as).
            text_contains(expected) if op in ("eq", "sw", "co") else None,
        )


def _narrowing(path: tuple[str, ...], op: str, expected: str) -> Q | None:
    column = _NARROWABLE.get(path)
    if column is None or (column == "actor_id" and _inexact(op, expected)):
        return None
    if op == "eq":
        return Q(**{column: expected})
    if op == "sw":
        return Q(**{f"{column}__startswith": expected})  # case-insensitive on SQLite: a superset
    return None


def _inexact(op: str, expected: str) -> bool:
    """Whether the truncated, str()-converted actor_id column could miss a match."""
    if not expected or len(expected) > _COLUMN_LENGTH:
        return True
    if op == "sw":
        return any(rendering.startswith(expected) for rendering in _NON_STRING_RENDERINGS)
    return expected in _NON_STRING_RENDERINGS


def compile_filter(text: str) -> Clause:
    """Return the compiled filter (predicate and SQL narrowing), or raise LogQueryError."""
    return _Parser(text).parse()


def keyword_predicate(q: str) -> Predicate:
    """`q`: every space-separated term must appear somewhere in the event (case-insensitive)."""
    terms = [term.lower() for term in q.split() if term]

    def has_every_term(event: dict) -> bool:
        text = json.dumps(event).lower()  # once per event, not once per term
        return all(term in text for term in terms)

    return has_every_term


def keyword_clause(q: str) -> Clause:
    """`q` as a Clause: the exact test, and a test of the stored JSON text for plain terms."""
    terms = [term.lower() for term in q.split() if _WITHIN_ONE_JSON_VALUE.fullmatch(term)]

    def has_plain_terms(text: str) -> bool:
        text = text.lower()
        return all(term in text for term in terms)

    return Clause(keyword_predicate(q), text_test=has_plain_terms if terms else None)
