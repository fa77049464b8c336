"""Okta Expression Language filters for event hooks: parse, validate, evaluate (no Django)."""

from __future__ import annotations

from .builder import FILTER_FIELDS, FilterRow, expression_to_rows, rows_to_expression
from .compiler import CompiledExpression, compile_expression
from .errors import EvaluationError, ExpressionError

__all__ = [
    "FILTER_FIELDS",
    "CompiledExpression",
    "EvaluationError",
    "ExpressionError",
    "FilterRow",
    "compile_expression",
    "expression_to_rows",
    "rows_to_expression",
]
