"""Exceptions raised while compiling or evaluating filter expressions."""

from __future__ import annotations

from collections.abc import Sequence


class ExpressionError(Exception):
    """A filter expression that cannot be compiled (a 400-style validation error)."""

    def __init__(
        self, message: str, position: int | None = None, expected: Sequence[str] = ()
    ) -> None:
        self.message = message
        self.position = position
        self.expected = list(expected)
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"Column {self.position}: {self.message}"

    def __repr__(self) -> str:
        return f"ExpressionError({self.message!r}, position={self.position!r})"

    def __reduce__(self):  # keep pickling (e.g. across processes) working with our signature
        return (type(self), (self.message, self.position, self.expected))


class EvaluationError(Exception):
    """A runtime type problem while evaluating a compiled expression against one event."""
