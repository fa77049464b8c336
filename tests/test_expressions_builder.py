"""The simple filter UI rows and the Okta EL they stand for."""

from __future__ import annotations

from typing import Any

import pytest

from hooks.expressions import (
    FILTER_FIELDS,
    FilterRow,
    compile_expression,
    expression_to_rows,
    rows_to_expression,
)
from hooks.expressions.examples import PUBLISHED_EXAMPLES

GUIDE_EXAMPLE = (
    "event.target.?[type eq 'UserGroup'].size()>0 && "
    "event.target.?[displayName eq 'Sales'].size()>0"
)


def row(field: str, value: str) -> FilterRow:
    return FilterRow(field, "eq", value)


def test_filter_fields_are_the_twelve_documented_fields_in_order() -> None:
    assert list(FILTER_FIELDS) == [
        "eventType",
        "outcome.reason",
        "outcome.result",
        "actor.id",
        "actor.type",
        "actor.alternateId",
        "actor.displayName",
        "changedAttributes",
        "target.id",
        "target.type",
        "target.alternateId",
        "target.displayName",
    ]
    assert FILTER_FIELDS["changedAttributes"] == "event.debugData.changedAttributes"
    assert FILTER_FIELDS["actor.alternateId"] == "event.actor.alternateId"
    assert FILTER_FIELDS["target.type"] == "event.target.?[type …]"


def test_it_produces_the_guide_example_for_two_target_rows() -> None:
    rows = [row("target.type", "UserGroup"), row("target.displayName", "Sales")]
    assert rows_to_expression(rows) == GUIDE_EXAMPLE
    assert PUBLISHED_EXAMPLES["1"] == GUIDE_EXAMPLE


@pytest.mark.parametrize(
    ("field", "expression"),
    [
        ("eventType", "event.eventType eq 'x'"),
        ("outcome.reason", "event.outcome.reason eq 'x'"),
        ("outcome.result", "event.outcome.result eq 'x'"),
        ("actor.id", "event.actor.id eq 'x'"),
        ("actor.type", "event.actor.type eq 'x'"),
        ("actor.alternateId", "event.actor.alternateId eq 'x'"),
        ("actor.displayName", "event.actor.displayName eq 'x'"),
        ("changedAttributes", "event.debugData.changedAttributes.contains('x')"),
        ("target.id", "event.target.?[id eq 'x'].size()>0"),
        ("target.type", "event.target.?[type eq 'x'].size()>0"),
        ("target.alternateId", "event.target.?[alternateId eq 'x'].size()>0"),
        ("target.displayName", "event.target.?[displayName eq 'x'].size()>0"),
    ],
)
def test_each_field_produces_the_el_okta_generates(field: str, expression: str) -> None:
    assert rows_to_expression([row(field, "x")]) == expression


@pytest.mark.parametrize("field", list(FILTER_FIELDS))
@pytest.mark.parametrize("value", ["Sales", "", "O'Brien", "back\\slash", "it''s \"x\"", "ünï €"])
def test_rows_survive_a_round_trip_through_el_for_every_field(field: str, value: str) -> None:
    rows = [row(field, value), row("eventType", "user.session.start")]
    text = rows_to_expression(rows)
    compile_expression(text)
    assert expression_to_rows(text) == rows


def test_quotes_in_values_are_doubled_as_in_spel() -> None:
    assert rows_to_expression([row("actor.displayName", "O'Brien")]) == (
        "event.actor.displayName eq 'O''Brien'"
    )
    assert rows_to_expression([row("actor.displayName", "a\\b")]) == (
        "event.actor.displayName eq 'a\\\\b'"
    )


def test_a_value_with_quotes_matches_the_event_value_exactly() -> None:
    text = rows_to_expression([row("target.displayName", "O'Brien's \\ group")])
    accepted = {"target": [{"displayName": "O'Brien's \\ group"}]}
    rejected = {"target": [{"displayName": "O'Brien"}]}
    assert compile_expression(text).evaluate(accepted) is True
    assert compile_expression(text).evaluate(rejected) is False


def test_generated_el_evaluates_like_the_rows_describe() -> None:
    rows = [
        row("eventType", "user.account.update_profile"),
        row("changedAttributes", "email"),
        row("target.type", "User"),
        row("actor.alternateId", "admin@company.com"),
    ]
    compiled = compile_expression(rows_to_expression(rows))
    data: dict[str, Any] = {
        "eventType": "user.account.update_profile",
        "actor": {"alternateId": "admin@company.com"},
        "target": [{"type": "User"}],
        "debugContext": {"debugData": {"changedAttributes": "firstName,email"}},
    }
    assert compiled.evaluate(data) is True
    data["target"] = [{"type": "UserGroup"}]
    assert compiled.evaluate(data) is False


@pytest.mark.parametrize(
    ("key", "rows"),
    [
        ("1", [row("target.type", "UserGroup"), row("target.displayName", "Sales")]),
        ("11", [row("changedAttributes", "email")]),
        ("13a", [row("outcome.result", "SUCCESS")]),
        ("13b", [row("outcome.result", "SUCCESS")]),
        ("15", [row("actor.alternateId", "myAdmin@company.com")]),
        ("16", [row("actor.id", "00usnkgbd0FFDxYaj0h7")]),
        (
            "17",
            [row("actor.alternateId", "myAdmin@company.com"), row("outcome.result", "FAILURE")],
        ),
        # #14 item 3: rows offer ne / sw / co / ew too, so these examples now have rows.
        ("2", [row("eventType", "Admin"), FilterRow("eventType", "ne", "Bob")]),
        ("18a", [FilterRow("outcome.reason", "co", "SECURITY_QUESTION")]),
        ("18b", [FilterRow("outcome.reason", "co", "SECURITY_QUESTION")]),
    ],
)
def test_published_examples_of_builder_shape_become_rows(key: str, rows: list[FilterRow]) -> None:
    assert expression_to_rows(PUBLISHED_EXAMPLES[key]) == rows


@pytest.mark.parametrize("key", ["3", "4", "5", "6", "7", "8", "9", "10", "12"])
def test_published_examples_beyond_the_builder_give_none(key: str) -> None:
    assert expression_to_rows(PUBLISHED_EXAMPLES[key]) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "event.actor.id eq",
        "event.actor.id eq 1",
        "event.actor.id eq event.actor.type",
        "'x' eq event.actor.id",
        "event.actor.detailEntry eq 'x'",
        "event.actor.id.contains('x', 'y')",
        "event.actor.id.toUpperCase('x')",
        "event.debugContext.debugData.changedAttributes.contains('x')",
        "event.debugData.changedAttributes.startsWith('x')",
        "event.debugData.changedAttributes.contains('x', 'y')",
        "event.debugData.changedAttributes.contains(1)",
        "event.target.?[type eq 'x'].size()>1",
        "event.target.?[type eq 'x'].size()>=0",
        "event.target.?[type.startsWith('x')].size() eq 0",
        "event.target.?[type ne 'x'].size()>0",
        "event.target.?[name eq 'x'].size()>0",
        "event.target.?[type eq 'x'].length()>0",
        "event.target.?[type eq 'x' && id eq 'y'].size()>0",
        "event.actor.?[type eq 'x'].size()>0",
        "event.actor.id eq 'x' || event.actor.id eq 'y'",
        "!(event.actor.id eq 'x')",
        "user.id eq 'x'",
        "String.len(event.actor.id) eq 'x'",
    ],
)
def test_el_not_of_builder_shape_gives_none(text: str) -> None:
    assert expression_to_rows(text) is None


def test_equivalent_spellings_of_builder_el_still_become_rows() -> None:
    text = "( event.actor.id=='a' ) AND event.target.?[ type eq \"b\" ].size() > 0"
    assert expression_to_rows(text) == [row("actor.id", "a"), row("target.type", "b")]


def test_a_non_string_gives_none() -> None:
    assert expression_to_rows(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "at least one"),
        ([FilterRow("actor.email", "eq", "x")], "unknown filter field"),
        ([FilterRow("actor.id", "gt", "x")], "unknown filter operator"),
        ([FilterRow("changedAttributes", "sw", "x")], "offers only 'eq'"),
        ([FilterRow("actor.id", "eq", 5)], "strings"),  # type: ignore[arg-type]
    ],
)
def test_unsupported_rows_raise_value_error(rows: list[FilterRow], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rows_to_expression(rows)


def test_filter_rows_are_immutable_and_comparable() -> None:
    first = row("actor.id", "x")
    assert first == FilterRow(field="actor.id", operator="eq", value="x")
    with pytest.raises(AttributeError):
        first.value = "y"  # type: ignore[misc]


# --- #14 item 3: more operators than eq -----------------------------------------------------

OPERATOR_CASES = [
    # (row, EL it generates, an event it matches, an event it does not)
    (
        FilterRow("actor.alternateId", "ne", "a@x.com"),
        "event.actor.alternateId ne 'a@x.com'",
        {"actor": {"alternateId": "b@x.com"}},
        {"actor": {"alternateId": "a@x.com"}},
    ),
    (
        FilterRow("actor.alternateId", "sw", "adm"),
        "event.actor.alternateId.startsWith('adm')",
        {"actor": {"alternateId": "admin@x.com"}},
        {"actor": {"alternateId": "x@adm.com"}},
    ),
    (
        FilterRow("actor.alternateId", "co", "@corp"),
        "event.actor.alternateId.contains('@corp')",
        {"actor": {"alternateId": "a@corp.com"}},
        {"actor": {"alternateId": "a@x.com"}},
    ),
    (
        FilterRow("actor.alternateId", "ew", ".org"),
        "event.actor.alternateId.endsWith('.org')",
        {"actor": {"alternateId": "a@x.org"}},
        {"actor": {"alternateId": "a@x.com"}},
    ),
    (
        FilterRow("target.type", "ne", "UserGroup"),
        "event.target.?[type eq 'UserGroup'].size() eq 0",
        {"target": [{"type": "User"}]},
        {"target": [{"type": "User"}, {"type": "UserGroup"}]},
    ),
    (
        FilterRow("target.displayName", "sw", "Sal"),
        "event.target.?[displayName.startsWith('Sal')].size()>0",
        {"target": [{"displayName": "Sales"}]},
        {"target": [{"displayName": "HR"}]},
    ),
    (
        FilterRow("target.alternateId", "co", "corp"),
        "event.target.?[alternateId.contains('corp')].size()>0",
        {"target": [{"alternateId": "x@corp"}]},
        {"target": [{"alternateId": None}]},
    ),
    (
        FilterRow("target.id", "ew", "7"),
        "event.target.?[id.endsWith('7')].size()>0",
        {"target": [{"id": "0oa7"}]},
        {"target": []},
    ),
]


@pytest.mark.parametrize(("filter_row", "text", "yes", "no"), OPERATOR_CASES)
def test_every_operator_compiles_evaluates_and_round_trips(filter_row, text, yes, no) -> None:
    assert rows_to_expression([filter_row]) == text
    compiled = compile_expression(text)
    assert compiled.evaluate(yes) is True
    assert compiled.evaluate(no) is False
    assert expression_to_rows(text) == [filter_row]
