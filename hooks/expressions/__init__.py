"""Okta Expression Language filters for event hooks: parse, validate, evaluate.

May import: the standard library and lark only (no Django).
"""

from __future__ import annotations

from .builder import FILTER_FIELDS, FilterRow, expression_to_rows, rows_to_expression
from .compiler import CompiledExpression, compile_expression
from .cost import DEFAULT_MAX_STEPS, MAX_SELECTION_NESTING, CostLimitError
from .errors import EvaluationError, ExpressionError

__all__ = [
    "FILTER_FIELDS",
    "DEFAULT_MAX_STEPS",
    "MAX_SELECTION_NESTING",
    "CompiledExpression",
    "CostLimitError",
    "EvaluationError",
    "ExpressionError",
    "FilterRow",
    "compile_expression",
    "expression_to_rows",
    "rows_to_expression",
]
