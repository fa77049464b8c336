"""Property tests: the engine fails only with its own exceptions; the builder round-trips."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks.expressions import (
    FILTER_FIELDS,
    EvaluationError,
    ExpressionError,
    FilterRow,
    compile_expression,
    expression_to_rows,
    rows_to_expression,
)
from hooks.expressions.builder import quote

# Hundreds of generated examples per test, so `make test-fast` leaves them out.
pytestmark = pytest.mark.slow

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    database=None,  # keep the tree clean; failures print their example anyway
    suppress_health_check=[HealthCheck.too_slow],
)

FIELDS = ["type", "id", "alternateId", "displayName", "result", "reason", "x", "changedAttributes"]
ROOT_FIELDS = ["eventType", "actor", "outcome", "target", "debugData", "debugContext", "x"]
WORDS = ["", "a", "User", "UserGroup", "email,manager", "O'B", "1"]

# -- JSON events --------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_infinity=True, allow_nan=True)
    | st.sampled_from(WORDS)
    | st.text(max_size=4)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS + ROOT_FIELDS), inner, max_size=4)
    ),
    max_leaves=12,
)
realistic_events = st.fixed_dictionaries(
    {
        "eventType": st.sampled_from(WORDS) | json_values,
        "actor": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4),
        "outcome": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=2),
        "target": st.lists(st.dictionaries(st.sampled_from(FIELDS), json_values), max_size=3)
        | json_values,
        "debugContext": st.fixed_dictionaries(
            {"debugData": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=3)}
        )
        | json_values,
    }
)
events = realistic_events | json_values

# -- syntactically valid, statically boolean expressions ----------------------------------


@functools.cache
def paths(scoped: bool) -> st.SearchStrategy[str]:
    """Field paths: rooted at event, or element fields inside a selection."""
    rooted = st.builds(
        lambda parts, index: "event." + ".".join(parts) + index,
        st.lists(st.sampled_from(ROOT_FIELDS + FIELDS), min_size=1, max_size=3),
        st.sampled_from(["", "[0]", "[2]", "['x']"]),
    )
    if not scoped:
        return rooted
    bare = st.sampled_from(FIELDS) | st.just("#this")
    return rooted | bare


literals = (
    st.sampled_from(WORDS).map(quote)
    | st.integers(-3, 3).map(str)
    | st.sampled_from(["null", "true", "false", "1.5", '"dq"'])
)


@functools.cache
def values(depth: int, scoped: bool) -> st.SearchStrategy[str]:
    """Expressions producing a value (not statically boolean)."""
    leaves = paths(scoped) | literals
    if depth == 0:
        return leaves
    inner = values(depth - 1, scoped)
    unary = ["String.toUpperCase", "String.len", "Arrays.toCsvString", "Arrays.size"]
    return st.one_of(
        leaves,
        st.builds(lambda f, v: f"{f}({v})", st.sampled_from(unary), inner),
        st.builds(lambda a, b: f"String.substringAfter({a}, {b})", inner, inner),
        st.builds(lambda a, b, c: f"String.substring({a}, {b}, {c})", inner, inner, inner),
        st.builds(lambda a, b: f"String.join(',', {a}, {b})", inner, inner),
        st.builds(lambda v, m: f"{v}.{m}()", paths(scoped), st.sampled_from(["size", "trim"])),
        st.builds(lambda p, c: f"{p}.?[{c}]", paths(scoped), conditions(depth - 1, True)),
        st.builds(lambda p, i: f"{p}[{i}]", paths(scoped), inner),
    )


@functools.cache
def conditions(depth: int, scoped: bool) -> st.SearchStrategy[str]:
    """Expressions that are statically boolean."""
    value = values(max(depth - 1, 0), scoped)
    leaves = st.one_of(
        st.sampled_from(["true", "false"]),
        st.builds(
            lambda a, op, b: f"{a} {op} {b}",
            value,
            st.sampled_from(["eq", "ne", "==", "!="]),
            value,
        ),
        st.builds(
            lambda a, op, b: f"{a} {op} {b}",
            paths(scoped),
            st.sampled_from([">", ">=", "<", "<="]),
            st.integers(-2, 2).map(str) | st.just("'m'"),
        ),
        st.builds(
            lambda v, op, n: f"String.len({v}) {op} {n}",
            value,
            st.sampled_from([">", ">=", "<", "<="]),
            st.integers(-2, 2),
        ),
        st.builds(
            lambda v, m, a: f"{v}.{m}({a})",
            value,
            st.sampled_from(["contains", "startsWith", "endsWith"]),
            value,
        ),
        st.builds(lambda v: f"{v}.isEmpty()", value),
        st.builds(lambda a, b: f"String.stringContains({a}, {b})", value, value),
        st.builds(lambda a, b: f"Arrays.contains({a}, {b})", value, value),
    )
    if depth == 0:
        return leaves
    inner = conditions(depth - 1, scoped)
    return st.one_of(
        leaves,
        st.builds(
            lambda a, op, b: f"{a} {op} {b}",
            inner,
            st.sampled_from(["&&", "||", "AND", "or"]),
            inner,
        ),
        inner.map(lambda c: f"!({c})"),
        inner.map(lambda c: f"({c})"),
        st.builds(
            lambda p, c: f"{p}.?[{c}].size() > 0", paths(scoped), conditions(depth - 1, True)
        ),
    )


valid_expressions = conditions(3, False)

# -- token soup ---------------------------------------------------------------------------

TOKENS = [
    "event",
    ".",
    ".?[",
    "?.",
    "[",
    "]",
    "(",
    ")",
    ",",
    "eq",
    "ne",
    "==",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "&&",
    "||",
    "!",
    "AND",
    "OR",
    "and",
    "or",
    "'x'",
    '"y"',
    "'",
    '"',
    "\\",
    "1",
    "-2.5",
    "1e999",
    "true",
    "false",
    "null",
    "#this",
    "#",
    "String",
    "Arrays",
    "len",
    "contains",
    "size",
    "type",
    "target",
    "debugData",
    "=",
    "&",
    "|",
    "?",
    "‘",
    "\u00a0",
    "\n",
    "$",
    "é",
]
token_soups = st.lists(
    st.tuples(st.sampled_from(TOKENS), st.sampled_from(["", " "])), max_size=25
).map(lambda pairs: "".join(token + sep for token, sep in pairs))


def check_compile_error(text: str) -> None:
    """Compiling *text* either succeeds or raises a well-formed ExpressionError."""
    try:
        compile_expression(text)
    except ExpressionError as error:
        assert error.message
        assert all(isinstance(item, str) for item in error.expected)
        if error.position is not None:
            assert 1 <= error.position <= len(text) + 1
            assert str(error) == f"Column {error.position}: {error.message}"


@BOUNDED
@given(st.text(max_size=80))
def test_random_text_only_ever_raises_expression_error(text: str) -> None:
    check_compile_error(text)


@BOUNDED
@given(token_soups)
def test_random_token_soup_only_ever_raises_expression_error(text: str) -> None:
    check_compile_error(text)


@BOUNDED
@given(valid_expressions, st.lists(events, min_size=1, max_size=3))
def test_valid_expressions_compile_and_evaluate_to_a_boolean_or_evaluation_error(
    text: str, samples: list[Any]
) -> None:
    compiled = compile_expression(text, max_length=10_000)
    for sample in samples:
        try:
            result = compiled.evaluate(sample)
        except EvaluationError:
            continue
        assert type(result) is bool


# -- builder ------------------------------------------------------------------------------

filter_rows = st.lists(
    st.builds(
        FilterRow,
        field=st.sampled_from(list(FILTER_FIELDS)),
        operator=st.just("eq"),
        value=st.text(max_size=12) | st.sampled_from(WORDS),
    ),
    min_size=1,
    max_size=5,
)
small = st.sampled_from(WORDS)
builder_events = st.fixed_dictionaries(
    {
        "eventType": small,
        "actor": st.dictionaries(st.sampled_from(["id", "type", "displayName"]), small),
        "outcome": st.dictionaries(st.sampled_from(["result", "reason"]), small),
        "target": st.lists(
            st.dictionaries(st.sampled_from(["id", "type", "alternateId", "displayName"]), small),
            max_size=3,
        ),
        "debugContext": st.fixed_dictionaries(
            {"debugData": st.dictionaries(st.just("changedAttributes"), small)}
        ),
    }
)


def reference(row: FilterRow, event: dict[str, Any]) -> bool:
    """What a row means, written directly in Python."""
    if row.field.startswith("target."):
        attribute = row.field.removeprefix("target.")
        return any(target.get(attribute) == row.value for target in event["target"])
    if row.field == "changedAttributes":
        changed = event["debugContext"]["debugData"].get("changedAttributes")
        return changed is not None and row.value in changed
    value: Any = event
    for part in row.field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value == row.value


@BOUNDED
@given(filter_rows)
def test_rows_to_expression_reparses_and_round_trips(rows: list[FilterRow]) -> None:
    text = rows_to_expression(rows)
    compile_expression(text, max_length=100_000)
    assert expression_to_rows(text) == rows


@BOUNDED
@given(filter_rows, builder_events)
def test_generated_el_agrees_with_a_direct_python_reading_of_the_rows(
    rows: list[FilterRow], event: dict[str, Any]
) -> None:
    compiled = compile_expression(rows_to_expression(rows), max_length=100_000)
    assert compiled.evaluate(event) is all(reference(row, event) for row in rows)


@BOUNDED
@given(st.text(max_size=60) | token_soups | valid_expressions)
def test_expression_to_rows_never_raises(text: str) -> None:
    result = expression_to_rows(text)
    assert result is None or all(isinstance(row, FilterRow) for row in result)
