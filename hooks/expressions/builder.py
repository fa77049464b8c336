"""The simple filter UI: Field / Operator / Value rows and their Okta EL equivalent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from lark import Token, Tree

from .errors import ExpressionError
from .parser import decode_string, parse

# The Simple UI's Field dropdown (reference §4), in Okta's order, with the EL each one maps to.
FILTER_FIELDS: dict[str, str] = {
    "eventType": "event.eventType",
    "outcome.reason": "event.outcome.reason",
    "outcome.result": "event.outcome.result",
    "actor.id": "event.actor.id",
    "actor.type": "event.actor.type",
    "actor.alternateId": "event.actor.alternateId",
    "actor.displayName": "event.actor.displayName",
    # Okta's filters say debugData, not debugContext.debugData; the engine aliases it.
    "changedAttributes": "event.debugData.changedAttributes",
    "target.id": "event.target.?[id …]",
    "target.type": "event.target.?[type …]",
    "target.alternateId": "event.target.?[alternateId …]",
    "target.displayName": "event.target.?[displayName …]",
}
FILTER_OPERATORS = ("eq",)

_TARGET_PREFIX = "target."
_CHANGED = "changedAttributes"
_SIMPLE_PATHS = {
    tuple(field.split(".")): field
    for field in FILTER_FIELDS
    if field != _CHANGED and not field.startswith(_TARGET_PREFIX)
}
_TARGET_ATTRIBUTES = {
    field.removeprefix(_TARGET_PREFIX)
    for field in FILTER_FIELDS
    if field.startswith(_TARGET_PREFIX)
}


@dataclass(frozen=True)
class FilterRow:
    """One row of the simple filter UI."""

    field: str
    operator: str
    value: str


def quote(value: str) -> str:
    """A single-quoted EL string literal; quotes are doubled as in SpEL ('it''s')."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def row_to_expression(row: FilterRow) -> str:
    """The EL Okta's UI generates for one row; ValueError for an unsupported row."""
    if row.field not in FILTER_FIELDS:
        known = ", ".join(FILTER_FIELDS)
        raise ValueError(f"unknown filter field {row.field!r}; expected one of {known}")
    if row.operator not in FILTER_OPERATORS:
        raise ValueError(f"unknown filter operator {row.operator!r}; the simple UI offers 'eq'")
    if not isinstance(row.value, str):
        raise ValueError(f"filter values are strings, not {type(row.value).__name__}")
    literal = quote(row.value)
    if row.field.startswith(_TARGET_PREFIX):
        attribute = row.field.removeprefix(_TARGET_PREFIX)
        return f"event.target.?[{attribute} eq {literal}].size()>0"
    if row.field == _CHANGED:
        return f"{FILTER_FIELDS[_CHANGED]}.contains({literal})"
    return f"{FILTER_FIELDS[row.field]} eq {literal}"


def rows_to_expression(rows: Iterable[FilterRow]) -> str:
    """Join the rows' EL with ' && ', exactly as Okta's simple UI does."""
    parts = [row_to_expression(row) for row in rows]
    if not parts:
        raise ValueError("at least one filter row is required")
    return " && ".join(parts)


def expression_to_rows(text: str) -> list[FilterRow] | None:
    """Recover the rows behind *text*, or None when it is not of the simple UI's shape."""
    if not isinstance(text, str):
        return None
    try:
        tree = parse(text)
        rows = [_term_to_row(term) for term in _conjuncts(tree)]
    except ExpressionError:
        return None
    if any(row is None for row in rows):
        return None
    return [row for row in rows if row is not None]


def _conjuncts(tree: Tree) -> list[Tree]:
    """The operands of a (possibly parenthesised, nested) chain of '&&'."""
    if tree.data != "and_expr":
        return [tree]
    return [term for child in tree.children for term in _conjuncts(child)]


def _event_path(tree: Tree) -> tuple[tuple[str, ...], list[Tree]] | None:
    """Split `event.a.b<rest>` into (('a', 'b'), rest); None when it is not rooted at event."""
    if tree.data != "chain":
        return None
    head, *trailers = tree.children
    if head.data != "name" or str(head.children[0]) != "event":
        return None
    names: list[str] = []
    while trailers and trailers[0].data == "attr":
        names.append(str(trailers.pop(0).children[0]))
    return tuple(names), trailers


def _string(tree: Tree) -> str | None:
    """The value of a string literal tree, or None for anything else."""
    if isinstance(tree, Tree) and tree.data == "string":
        return decode_string(cast(Token, tree.children[0]))
    return None


def _is_eq(token: Token) -> bool:
    return token.type in ("EQ", "EQEQ")


def _term_to_row(term: Tree) -> FilterRow | None:
    """Match one conjunct against the three shapes the simple UI generates."""
    if term.data == "chain":
        split = _event_path(term)
        if split is None or split[0] != ("debugData", _CHANGED) or len(split[1]) != 1:
            return None
        call = split[1][0]
        if call.data != "call" or str(call.children[0]) != "contains" or call.children[1] is None:
            return None
        args = call.children[1].children
        value = _string(args[0]) if len(args) == 1 else None
        return None if value is None else FilterRow(_CHANGED, "eq", value)
    if term.data != "compare":
        return None
    left, op_branch, right = term.children
    op = cast(Token, op_branch)
    split = _event_path(left)
    if split is None:
        return None
    names, rest = split
    if not rest and names in _SIMPLE_PATHS and _is_eq(op):
        value = _string(right)
        return None if value is None else FilterRow(_SIMPLE_PATHS[names], "eq", value)
    if names == ("target",) and op.type == "GT" and _is_zero(right):
        return _target_row(rest)
    return None


def _is_zero(tree: Tree) -> bool:
    return tree.data == "number" and str(tree.children[0]) == "0"


def _target_row(trailers: list[Tree]) -> FilterRow | None:
    """Match `.?[attribute eq 'value'].size()` after event.target."""
    if len(trailers) != 2:
        return None
    select, size = trailers
    if select.data != "select" or size.data != "call":
        return None
    if str(size.children[0]) != "size" or size.children[1] is not None:
        return None
    predicate = select.children[0]
    if predicate.data != "compare" or not _is_eq(cast(Token, predicate.children[1])):
        return None
    name, _, literal = predicate.children
    if name.data != "name" or str(name.children[0]) not in _TARGET_ATTRIBUTES:
        return None
    value = _string(literal)
    if value is None:
        return None
    return FilterRow(_TARGET_PREFIX + str(name.children[0]), "eq", value)
