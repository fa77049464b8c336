"""The Okta Expression Language filter engine: parsing, validation and evaluation."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hooks.expressions import (
    CompiledExpression,
    EvaluationError,
    ExpressionError,
    compile_expression,
)
from hooks.expressions.examples import PUBLISHED_EXAMPLES, VALID_EXAMPLES

BASE: dict[str, Any] = {
    "uuid": "f1d0b993-cc19-11ed-a688-db22c99ef6c4",
    "eventType": "group.user_membership.add",
    "actor": {
        "id": "00usnkgbd0FFDxYaj0h7",
        "type": "User",
        "alternateId": "myAdmin@company.com",
        "displayName": "My Admin",
    },
    "outcome": {"result": "SUCCESS", "reason": None},
    "target": [
        {
            "id": "00ub0oNGTSWTBKOLGLNR",
            "type": "User",
            "alternateId": "jane@company.com",
            "displayName": "Jane Doe",
        },
        {
            "id": "00gsnc3qy7Uy6JZfy0h7",
            "type": "UserGroup",
            "alternateId": "unknown",
            "displayName": "Sales",
        },
    ],
    "debugContext": {"debugData": {"requestId": "Y1sXa@8vOlpHIjVZDhPdTwAABVs"}},
}


def event(**changes: Any) -> dict[str, Any]:
    """A LogEvent dict: BASE with top-level fields replaced."""
    result = copy.deepcopy(BASE)
    result.update(changes)
    return result


def group(name: str, group_id: str = "00gsnc3qy7Uy6JZfy0h7") -> dict[str, Any]:
    return {"id": group_id, "type": "UserGroup", "alternateId": "unknown", "displayName": name}


def app(alternate_id: str, app_id: str = "0oa1gjh63g214q0Hq0g4") -> dict[str, Any]:
    return {
        "id": app_id,
        "type": "AppInstance",
        "alternateId": alternate_id,
        "displayName": alternate_id,
    }


USER = {"id": "00usnkgbd0FFDxYaj0h7", "type": "User", "alternateId": "jane@company.com"}
OTHER_USER = {"id": "00uOTHER", "type": "User", "alternateId": "bob@company.com"}


def changed(attributes: str) -> dict[str, Any]:
    return event(debugContext={"debugData": {"changedAttributes": attributes}})


def outcome(result: str, reason: str | None = None) -> dict[str, Any]:
    return event(outcome={"result": result, "reason": reason})


# For every published example: an event it accepts and one it rejects.
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "1": (event(), event(target=[USER, group("Marketing")])),
    "2": (event(eventType="Admin"), event(eventType="Bob")),
    "3": (event(), event(target=[USER, group("Marketing"), app("Sales")])),
    "4": (event(target=[group("Marketing")]), event(target=[group("Support"), app("Sales")])),
    "5": (event(target=[group("X", "032gs2nc3qy7Uy6JZfasd3")]), event(target=[group("X", "00g")])),
    "6": (
        event(target=[USER, group("Admin")]),
        event(target=[OTHER_USER, group("Admin")]),
    ),
    "7": (
        event(target=[USER, app("My COMPANY Bookmark App")]),
        event(target=[USER, app("My Company Bookmark App")]),
    ),
    "8": (event(target=[app("My OIDC App")]), event(target=[group("My OIDC App")])),
    "9": (
        event(target=[app("A", "00gsnc3qy7Uy6JZfy0h7")]),
        event(target=[group("A", "00gsnc3qy7Uy6JZfy0h7")]),
    ),
    "11": (changed("email,firstName"), changed("firstName,lastName")),
    "12": (changed("department"), changed("firstName")),
    "13a": (outcome("SUCCESS"), outcome("FAILURE")),
    "13b": (outcome("SUCCESS"), outcome("FAILURE")),
    "14a": (outcome("FAILURE"), outcome("SUCCESS")),
    "14b": (outcome("FAILURE"), outcome("SUCCESS")),
    "15": (event(), event(actor={"alternateId": "someone@company.com"})),
    "16": (event(), event(actor={"id": "00uOTHER"})),
    "17": (outcome("FAILURE"), outcome("SUCCESS")),
    "18a": (outcome("FAILURE", "VERIFICATION_ERROR SECURITY_QUESTION"), outcome("FAILURE", "SMS")),
    "18b": (outcome("FAILURE", "SECURITY_QUESTION"), outcome("FAILURE", None)),
}


def evaluate(text: str, data: Any = None) -> bool:
    return compile_expression(text).evaluate(BASE if data is None else data)


def error_for(text: str, **kwargs: Any) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text, **kwargs)
    return info.value


# -- the published examples ---------------------------------------------------------------


def test_every_valid_published_example_has_a_case() -> None:
    assert set(CASES) == set(VALID_EXAMPLES)


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_published_example_accepts_its_matching_event(key: str) -> None:
    assert compile_expression(VALID_EXAMPLES[key]).evaluate(CASES[key][0]) is True


@pytest.mark.parametrize("key", sorted(CASES))
def test_each_published_example_rejects_its_other_event(key: str) -> None:
    assert compile_expression(VALID_EXAMPLES[key]).evaluate(CASES[key][1]) is False


def test_it_rejects_an_unbalanced_parenthesis_in_published_example_10() -> None:
    text = PUBLISHED_EXAMPLES["10"]
    error = error_for(text)
    assert error.position == len(text) + 1
    assert "')'" in error.expected
    assert "expected ')' or an operator, found end of expression" in error.message
    assert f"the '(' at column {text.index('(event') + 1} is never closed" in error.message
    assert str(error).startswith(f"Column {len(text) + 1}: expected ')'")


def test_example_10_with_its_parenthesis_closed_compiles_and_evaluates() -> None:
    text = PUBLISHED_EXAMPLES["10"] + ")"
    accepted = event(target=[USER, app("My Admin App")])
    assert compile_expression(text).evaluate(accepted) is True
    assert compile_expression(text).evaluate(event(target=[USER])) is False


# -- spacing and spelling -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "event.outcome.result eq'SUCCESS'",
        "event.outcome.result   eq   'SUCCESS'",
        "event.outcome.result\teq\n'SUCCESS'",
        "event.outcome.result\u00a0eq\u00a0'SUCCESS'",
        "event.outcome.result=='SUCCESS'",
        "( event.outcome.result eq 'SUCCESS' )",
        "event.target.?[type eq 'UserGroup'].size()>0",
        "event.target.?[type eq 'UserGroup'].size()> 0",
        "event.target.?[type eq 'UserGroup'].size() >0",
        "event.target.?[ type eq 'UserGroup' ].size( ) > 0",
    ],
)
def test_it_accepts_mixed_spacing(text: str) -> None:
    assert evaluate(text) is True


def test_contains_accepts_a_space_inside_the_parenthesis() -> None:
    assert evaluate("event.actor.alternateId.contains( 'company')") is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true && false", False),
        ("true AND true", True),
        ("true and false", False),
        ("false || true", True),
        ("false OR false", False),
        ("false or true", True),
        ("!false", True),
        ("!!false", False),
        ("! (1 eq 2)", True),
        ("true || false && false", True),
        ("(true || false) && false", False),
        ("!false && false", False),
        ("!true || true", True),
        ("false && event.nothing.x > 1", False),
        ("true || event.nothing.x > 1", True),
    ],
)
def test_logical_operators_follow_precedence_and_short_circuit(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


def test_long_chains_of_alternatives_evaluate_left_to_right() -> None:
    text = " || ".join(f"event.actor.id eq 'id{i}'" for i in range(30))
    assert evaluate(text, event(actor={"id": "id29"})) is True
    assert evaluate(text, event(actor={"id": "id30"})) is False
    conjunction = " && ".join(["true"] * 30)
    assert evaluate(conjunction) is True
    assert evaluate(conjunction + " && false") is False


# -- literals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'abc' eq \"abc\"", True),
        ("'it''s' eq \"it's\"", True),
        ("'it\\'s' eq \"it's\"", True),
        ("'a\\\\b'.size() eq 3", True),
        ("'line\\nbreak'.contains('\\n')", True),
        ("'\\u00e9' eq 'é'", True),
        ("1 eq 1.0", True),
        ("-1.5 < 0", True),
        ("2e3 eq 2000", True),
        ("null eq null", True),
        ("true eq true", True),
        ("true ne false", True),
    ],
)
def test_literals_are_decoded(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


def test_it_rejects_an_unknown_escape_sequence_at_its_column() -> None:
    error = error_for("event.actor.id eq 'a\\qb'")
    assert error.position == 21
    assert "unknown escape sequence '\\q'" in error.message


def test_it_rejects_an_unterminated_string_at_its_opening_quote() -> None:
    error = error_for("event.actor.id eq 'abc")
    assert error.position == 19
    assert "never closed" in error.message


# -- fields, missing values and the debugData alias ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "event.actor.missing eq null",
        "event.nothing eq null",
        "event.nothing.deeper.still eq null",
        "event.outcome.reason eq null",
        "event.target[7] eq null",
        "event.target[0].nothing eq null",
        "event.nothing.?[type eq 'User'].size() eq 0",
        "event.nothing.size() eq 0",
        "!event.nothing.contains('x')",
        "!event.nothing.startsWith('x') && !event.nothing.endsWith('x')",
    ],
)
def test_missing_fields_evaluate_to_null_without_crashing(text: str) -> None:
    assert evaluate(text) is True


def test_it_evaluates_against_an_empty_event() -> None:
    assert evaluate("event.target.?[type eq 'User'].size() > 0", {}) is False
    assert evaluate("event.actor.id eq null", {}) is True


def test_debug_data_falls_back_to_debug_context_debug_data() -> None:
    text = "event.debugData.changedAttributes.contains('email')"
    assert evaluate(text, changed("email")) is True
    assert evaluate(text, event(debugData={"changedAttributes": "email"})) is True


def test_top_level_debug_data_wins_over_debug_context() -> None:
    data = event(debugData={"changedAttributes": "manager"})
    data["debugContext"]["debugData"]["changedAttributes"] = "email"
    assert evaluate("event.debugData.changedAttributes eq 'manager'", data) is True


def test_debug_data_is_null_when_neither_place_has_it() -> None:
    assert evaluate("event.debugData eq null", event(debugContext=None)) is True
    assert evaluate("event.debugData.changedAttributes.contains('x')", {}) is False


def test_changed_attributes_contains_is_a_substring_test() -> None:
    data = changed("email,firstName,manager")
    assert evaluate("event.debugData.changedAttributes.contains('firstName')", data) is True
    assert evaluate("event.debugData.changedAttributes.contains('department')", data) is False


def test_index_and_bracket_access_read_lists_and_fields() -> None:
    assert evaluate("event.target[1].displayName eq 'Sales'") is True
    assert evaluate("event['eventType'] eq 'group.user_membership.add'") is True
    assert evaluate("event.target[String.len('x')].type eq 'UserGroup'") is True


# -- selections ---------------------------------------------------------------------------


def test_selection_predicates_see_element_fields_unqualified() -> None:
    assert evaluate("event.target.?[type eq 'UserGroup'].size() eq 1") is True
    assert evaluate("event.target.?[type eq 'UserGroup' || type eq 'User'].size() eq 2") is True


def test_selection_predicates_can_still_reach_the_event() -> None:
    data = event(target=[{"id": "00usnkgbd0FFDxYaj0h7"}, {"id": "other"}])
    assert evaluate("event.target.?[id eq event.actor.id].size() eq 1", data) is True


def test_nested_selections_filter_inner_lists() -> None:
    data = event(
        target=[
            {"type": "User", "roles": [{"name": "reader"}]},
            {"type": "User", "roles": [{"name": "admin"}, {"name": "reader"}]},
        ]
    )
    text = "event.target.?[roles.?[name eq 'admin'].size() > 0].size() eq 1"
    assert evaluate(text, data) is True
    assert evaluate("event.target.?[roles.?[#this.name eq 'x'].size() > 0].size() eq 0", data)


def test_this_refers_to_the_current_element_of_a_list_of_strings() -> None:
    data = event(debugData={"groups": ["Sales", "Support"]})
    assert evaluate("event.debugData.groups.?[#this.startsWith('S')].size() eq 2", data) is True
    assert evaluate("event.debugData.groups.?[#this eq 'Sales'].size() eq 1", data) is True


def test_selection_on_null_is_an_empty_list() -> None:
    assert evaluate("event.target.?[type eq 'User'].size() eq 0", event(target=None)) is True
    assert evaluate("event.target.?[type eq 'User'].isEmpty()", event(target=None)) is True


def test_selection_on_a_string_is_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match="filter a list"):
        evaluate("event.target.?[type eq 'User'].size() > 0", event(target="User"))


# -- methods and functions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("event.actor.alternateId.startsWith('myAdmin')", True),
        ("event.actor.alternateId.endsWith('@company.com')", True),
        ("event.actor.alternateId.toUpperCase() eq 'MYADMIN@COMPANY.COM'", True),
        ("event.actor.displayName.toLowerCase() eq 'my admin'", True),
        ("' x '.trim() eq 'x'", True),
        ("event.actor.id.length() eq 20", True),
        ("event.target.size() eq 2", True),
        ("event.actor.size() eq 4", True),
        ("''.isEmpty()", True),
        ("event.debugContext.debugData.requestId.size() > 0", True),
        ("String.len(event.actor.id) eq 20", True),
        ("String.len(null) eq 0", True),
        ("String.toUpperCase('abc') eq 'ABC'", True),
        ("String.toLowerCase('ABC') eq 'abc'", True),
        ("String.substringBefore(event.actor.alternateId, '@') eq 'myAdmin'", True),
        ("String.substringAfter(event.actor.alternateId, '@') eq 'company.com'", True),
        ("String.substringBefore('abc', 'x') eq 'abc'", True),
        ("String.substringAfter('abc', 'x') eq ''", True),
        ("String.stringContains(event.actor.alternateId, 'Admin')", True),
        ("String.stringContains(null, 'Admin')", False),
        ("String.startsWith('abc', 'ab') && String.endsWith('abc', 'bc')", True),
        ("String.substring('abcdef', 1, 3) eq 'bc'", True),
        ("String.substring('abc', 1, 99) eq 'bc'", True),
        ("String.replace('a.b.c', '.', '-') eq 'a-b-c'", True),
        ("String.join(',', 'a', 'b') eq 'a,b'", True),
        ("String.removeSpaces('a b c') eq 'abc'", True),
        ("Arrays.contains(event.debugData.groups, 'Sales')", True),
        ("Arrays.contains(null, 'Sales')", False),
        ("Arrays.size(event.debugData.groups) eq 2", True),
        ("Arrays.isEmpty(event.debugData.nothing)", True),
        ("Arrays.toCsvString(event.debugData.groups) eq 'Sales,Support'", True),
        ("event.debugData.groups.contains('Support')", True),
        ("event.debugData.groups.startsWith('Sales')", True),
        ("event.debugData.groups.endsWith('Support')", True),
    ],
)
def test_methods_and_functions_compute_okta_el_results(text: str, expected: bool) -> None:
    data = copy.deepcopy(BASE)
    data["debugContext"]["debugData"]["groups"] = ["Sales", "Support"]
    assert evaluate(text, data) is expected


@pytest.mark.parametrize(
    "text",
    ["event.actor.id.contains(1)", "event.actor.id.startsWith(null)", "String.len(5) eq 1"],
)
def test_a_method_given_the_wrong_argument_type_raises_an_evaluation_error(text: str) -> None:
    with pytest.raises(EvaluationError):
        evaluate(text)


def test_it_rejects_an_unknown_function() -> None:
    error = error_for("String.reverse(event.actor.id) eq 'x'")
    assert error.position == 1
    assert "unknown function 'String.reverse'" in error.message


def test_it_rejects_an_unknown_method() -> None:
    error = error_for("event.actor.id.reverse() eq 'x'")
    assert error.position == 15
    assert "unknown method 'reverse()'" in error.message


def test_it_rejects_a_call_with_the_wrong_number_of_arguments() -> None:
    assert "takes 1 argument, got 2" in error_for("String.len('a', 'b') eq 1").message
    assert "takes 1 argument, got 0" in error_for("event.actor.id.contains()").message


def test_it_rejects_a_namespace_used_as_a_value() -> None:
    assert "function namespace" in error_for("String eq 'x'").message


# -- the root and static types ------------------------------------------------------------


@pytest.mark.parametrize("root", ["user", "target", "actor", "Event", "app"])
def test_it_rejects_an_unknown_root_naming_it(root: str) -> None:
    error = error_for(f"{root}.id eq 'x'")
    assert error.position == 1
    assert f"unknown name '{root}'" in error.message


@pytest.mark.parametrize(
    "text",
    [
        "event.actor.id",
        "event",
        "'abc'",
        "42",
        "null",
        "event.target.?[type eq 'User']",
        "event.target.size()",
        "String.len('x')",
        "String.toUpperCase(event.actor.id)",
        "(event.actor.id)",
    ],
)
def test_it_rejects_an_expression_that_is_not_boolean(text: str) -> None:
    error = error_for(text)
    assert error.position == len(text) - len(text.lstrip("(")) + 1  # the value, not its '('
    assert "must evaluate to true or false" in error.message


@pytest.mark.parametrize(
    "text",
    ["event.a && true", "true || 'x'", "!event.actor.id", "event.target.?[type].size() > 0"],
)
def test_it_rejects_non_boolean_operands_of_logical_operators(text: str) -> None:
    assert error_for(text).position is not None


def test_it_hints_at_parentheses_when_negating_a_comparison_without_them() -> None:
    error = error_for("!event.actor.id eq 'x'")
    assert "!(… eq …)" in error.message
    assert evaluate("!(event.actor.id eq 'x')") is True


@pytest.mark.parametrize(
    "text",
    ["event.a > true", "event.a < null", "'a' > 1", "event.a >= event.target.?[type eq 'x']"],
)
def test_it_rejects_ordering_comparisons_that_can_never_work(text: str) -> None:
    assert error_for(text).position is not None


# -- comparison semantics -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        (None, "event.x eq null", True),
        (None, "event.x ne null", False),
        (1, "event.x eq '1'", False),
        ("1", "event.x eq 1", False),
        (True, "event.x eq 1", False),
        (1, "event.x eq true", False),
        (1.0, "event.x eq 1", True),
        (True, "event.x eq true", True),
        ([1, 2], "event.x eq event.y", True),
        ({"a": [True]}, "event.x == event.y", True),
        ("abc", "event.x != 'abd'", True),
        (5, "event.x > 3", True),
        (5, "event.x <= 5", True),
        ("b", "event.x > 'a'", True),
        ("b", "event.x < event.y", False),
    ],
)
def test_comparisons_use_json_semantics(value: Any, text: str, expected: bool) -> None:
    assert evaluate(text, {"x": value, "y": value}) is expected


def test_equality_never_coerces_a_boolean_to_a_number() -> None:
    assert evaluate("event.x eq event.y", {"x": [True], "y": [1]}) is False
    assert evaluate("event.x eq event.y", {"x": {"a": 1}, "y": {"a": 1.0}}) is True


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"x": "5"}, "event.x > 3"),
        ({"x": None}, "event.x > 3"),
        ({"x": True}, "event.x < 3"),
        ({"x": 1, "y": "a"}, "event.x < event.y"),
        ({"x": [1]}, "event.x >= 1"),
        ({}, "event.x <= event.y"),
    ],
)
def test_ordering_mismatched_types_or_null_raises_an_evaluation_error(
    data: dict[str, Any], text: str
) -> None:
    with pytest.raises(EvaluationError, match="cannot compare"):
        evaluate(text, data)


def test_reading_a_field_of_a_string_raises_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError, match="cannot read field 'id'"):
        evaluate("event.actor.id.id eq null")


def test_reading_a_field_of_a_list_suggests_a_selection() -> None:
    with pytest.raises(EvaluationError, match=r"\.\?\["):
        evaluate("event.target.type eq 'User'")


def test_an_event_that_is_not_an_object_raises_an_evaluation_error() -> None:
    with pytest.raises(EvaluationError):
        compile_expression("event.actor.id eq 'x'").evaluate(["not", "an", "object"])


# -- error reporting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "expected", "fragment"),
    [
        ("event.actor.id eq", 18, ["a value"], "found end of expression"),
        ("event.actor.id eq 'x' &&", 25, ["a value"], "found end of expression"),
        ("event.target.?[type eq 'UserGroup'", 35, ["']'", "an operator"], "'.?[' at column 13"),
        ("event.actor.id = 'x'", 16, ["an operator", "end of expression"], "'eq' or '=='"),
        ("event.actor.id eq 'x' & true", 23, ["an operator", "end of expression"], "'&&'"),
        ("event.actor.id eq 'x' eq 'y'", 23, ["an operator", "end of expression"], "chained"),
        ("event.actor.id eq 'x')", 22, ["an operator", "end of expression"], "found ')'"),
        ("event.", 7, ["a field name"], "found end of expression"),
        ("event..id eq 1", 7, ["a field name"], "found '.'"),
        ("event.actor.id eq ‘x’", 19, ["a value"], "straight quotes"),
        ("event.actor.id eq 'x' $", 23, ["an operator", "end of expression"], "found '$'"),
        ("(event.actor.id eq 'x'", 23, ["')'", "an operator"], "'(' at column 1"),
    ],
)
def test_syntax_errors_name_the_column_and_what_was_expected(
    text: str, position: int, expected: list[str], fragment: str
) -> None:
    error = error_for(text)
    assert (error.position, error.expected) == (position, expected)
    assert fragment in error.message
    assert str(error) == f"Column {position}: {error.message}"


def test_the_brief_example_message_reads_naturally() -> None:
    error = error_for("event.target.?[type eq 'UserGroup'")
    assert error.message.startswith("expected ']' or an operator, found end of expression")


def test_an_empty_expression_is_rejected_without_a_position() -> None:
    for text in ("", "   ", "\n\t"):
        error = error_for(text)
        assert (error.position, str(error)) == (None, "The expression is empty")


def test_it_enforces_the_maximum_length() -> None:
    text = "event.actor.id eq '" + "x" * 1000 + "'"
    assert len(text) > 1000
    assert compile_expression(text).evaluate(BASE) is False
    error = error_for(text + " && true")
    assert "limit is 1024" in error.message
    assert error.position is None
    assert "limit is 10" in error_for("event.x eq 1", max_length=10).message
    assert compile_expression("true", max_length=4).evaluate({}) is True


def test_it_rejects_a_non_string_expression() -> None:
    assert "must be a string" in error_for(42).message  # type: ignore[arg-type]


def test_it_rejects_absurd_nesting_instead_of_recursing() -> None:
    text = "String.len(" * 60 + "'x'" + ")" * 60 + " > 0"
    assert "nested too deeply" in error_for(text, max_length=5000).message


def test_deep_parentheses_and_repeated_negation_stay_cheap() -> None:
    assert evaluate("(" * 400 + "true" + ")" * 400) is True
    assert compile_expression("!" * 1001 + "true", max_length=2000).evaluate({}) is False


def test_error_attributes_are_plain_data() -> None:
    error = error_for("event.actor.id eq")
    assert isinstance(error.message, str) and isinstance(error.expected, list)
    assert repr(error).startswith("ExpressionError(")


# -- compilation API ----------------------------------------------------------------------


def test_compiled_expressions_are_cached_and_keep_their_source() -> None:
    text = "event.actor.id eq '00usnkgbd0FFDxYaj0h7'"
    first = compile_expression(text)
    assert isinstance(first, CompiledExpression)
    assert compile_expression(text) is first
    assert first.source == text
    assert repr(first) == f"CompiledExpression({text!r})"


def test_evaluate_always_returns_a_real_boolean() -> None:
    for key, (accepted, rejected) in CASES.items():
        compiled = compile_expression(VALID_EXAMPLES[key])
        assert type(compiled.evaluate(accepted)) is bool
        assert type(compiled.evaluate(rejected)) is bool


def test_the_package_does_not_import_django() -> None:
    code = "import sys, hooks.expressions; print('django' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "False"
