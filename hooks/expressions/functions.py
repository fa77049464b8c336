"""Methods (`value.contains(x)`) and Okta EL functions (`String.len(s)`) callable in filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import EvaluationError
from .runtime import json_eq, kind_of

MAX_VARIADIC = 32


@dataclass(frozen=True, slots=True)
class Callee:
    """A callable's implementation, arity and the static kind of what it returns."""

    impl: Callable[..., Any]
    min_args: int
    max_args: int
    kind: str


def _need_str(value: Any, what: str) -> str:
    """Return *value* if it is a string, else raise an EvaluationError naming *what*."""
    if isinstance(value, str):
        return value
    raise EvaluationError(f"{what} needs a string, not a {kind_of(value)}")


def _need_int(value: Any, what: str) -> int:
    """Return *value* if it is an integer (not a boolean), else raise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise EvaluationError(f"{what} needs an integer, not a {kind_of(value)}")


def _size(value: Any, what: str = "size()") -> int:
    """Length of a string, list or object; null has size 0."""
    if value is None:
        return 0
    if isinstance(value, (str, list, tuple, dict)):
        return len(value)
    raise EvaluationError(f"{what} needs a list or string, not a {kind_of(value)}")


def _contains(value: Any, item: Any, what: str = "contains()") -> bool:
    """Substring test on strings, membership test on lists; null contains nothing."""
    if value is None:
        return False
    if isinstance(value, str):
        return _need_str(item, what) in value
    if isinstance(value, (list, tuple)):
        return any(json_eq(element, item) for element in value)
    raise EvaluationError(f"{what} needs a list or string, not a {kind_of(value)}")


def _starts_with(value: Any, prefix: Any) -> bool:
    """String prefix test; on a list, the first element (or the leading elements) match."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.startswith(_need_str(prefix, "startsWith()"))
    if isinstance(value, (list, tuple)):
        if isinstance(prefix, (list, tuple)):
            return len(prefix) <= len(value) and json_eq(list(value[: len(prefix)]), list(prefix))
        return bool(value) and json_eq(value[0], prefix)
    raise EvaluationError(f"startsWith() needs a list or string, not a {kind_of(value)}")


def _ends_with(value: Any, suffix: Any) -> bool:
    """String suffix test; on a list, the last element (or the trailing elements) match."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.endswith(_need_str(suffix, "endsWith()"))
    if isinstance(value, (list, tuple)):
        if isinstance(suffix, (list, tuple)):
            if len(suffix) > len(value):
                return False
            return json_eq(list(value[len(value) - len(suffix) :]), list(suffix))
        return bool(value) and json_eq(value[-1], suffix)
    raise EvaluationError(f"endsWith() needs a list or string, not a {kind_of(value)}")


def _string_map(transform: Callable[[str], str], what: str) -> Callable[[Any], Any]:
    """Lift a str -> str transform so that null passes through unchanged."""

    def apply(value: Any) -> Any:
        return None if value is None else transform(_need_str(value, what))

    return apply


METHODS: dict[str, Callee] = {
    "size": Callee(_size, 0, 0, "number"),
    "length": Callee(lambda v: _size(v, "length()"), 0, 0, "number"),
    "isEmpty": Callee(lambda v: _size(v, "isEmpty()") == 0, 0, 0, "boolean"),
    "contains": Callee(_contains, 1, 1, "boolean"),
    "startsWith": Callee(_starts_with, 1, 1, "boolean"),
    "endsWith": Callee(_ends_with, 1, 1, "boolean"),
    "toLowerCase": Callee(_string_map(str.lower, "toLowerCase()"), 0, 0, "string"),
    "toUpperCase": Callee(_string_map(str.upper, "toUpperCase()"), 0, 0, "string"),
    "trim": Callee(_string_map(str.strip, "trim()"), 0, 0, "string"),
}


def _len(value: Any) -> int:
    """String.len: null counts as the empty string."""
    return 0 if value is None else len(_need_str(value, "String.len()"))


def _substring_before(value: Any, separator: Any) -> Any:
    """String.substringBefore, with Apache StringUtils semantics (not found -> whole string)."""
    if value is None:
        return None
    text = _need_str(value, "String.substringBefore()")
    if separator is None:
        return text
    index = text.find(_need_str(separator, "String.substringBefore()"))
    return text if index < 0 else text[:index]


def _substring_after(value: Any, separator: Any) -> Any:
    """String.substringAfter, with Apache StringUtils semantics (not found -> '')."""
    if value is None:
        return None
    text = _need_str(value, "String.substringAfter()")
    if separator is None:
        return ""
    sep = _need_str(separator, "String.substringAfter()")
    index = text.find(sep)
    return "" if index < 0 else text[index + len(sep) :]


def _string_test(test: Callable[[str, str], bool], what: str) -> Callable[[Any, Any], bool]:
    """A two-string predicate where a null on either side is simply false."""

    def apply(value: Any, other: Any) -> bool:
        if value is None or other is None:
            return False
        return test(_need_str(value, what), _need_str(other, what))

    return apply


def _substring(value: Any, start: Any, end: Any) -> Any:
    """String.substring(s, start, end); out-of-range indexes are clamped, negatives count back."""
    if value is None:
        return None
    text = _need_str(value, "String.substring()")
    return text[_need_int(start, "String.substring()") : _need_int(end, "String.substring()")]


def _replace(value: Any, match: Any, replacement: Any) -> Any:
    """String.replace, literal only: Okta's regex form would expose us to catastrophic patterns."""
    if value is None:
        return None
    what = "String.replace()"
    return _need_str(value, what).replace(_need_str(match, what), _need_str(replacement, what))


def _join(separator: Any, *parts: Any) -> str:
    """String.join(separator, part, ...); every part must be a string."""
    what = "String.join()"
    return _need_str(separator, what).join(_need_str(part, what) for part in parts)


def _need_list(value: Any, what: str) -> list[Any] | tuple[Any, ...]:
    """Return *value* if it is a list, else raise."""
    if isinstance(value, (list, tuple)):
        return value
    raise EvaluationError(f"{what} needs a list, not a {kind_of(value)}")


def _csv_item(item: Any) -> str:
    """Render one scalar the way it would appear in a CSV string."""
    if isinstance(item, str):
        return item
    if item is None:
        return "null"
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, (int, float)):
        return repr(item)
    raise EvaluationError(f"Arrays.toCsvString() cannot render a {kind_of(item)}")


def _to_csv(value: Any) -> Any:
    """Arrays.toCsvString: elements joined with commas; null stays null."""
    if value is None:
        return None
    return ",".join(_csv_item(item) for item in _need_list(value, "Arrays.toCsvString()"))


FUNCTIONS: dict[str, dict[str, Callee]] = {
    "String": {
        "len": Callee(_len, 1, 1, "number"),
        "toUpperCase": Callee(_string_map(str.upper, "String.toUpperCase()"), 1, 1, "string"),
        "toLowerCase": Callee(_string_map(str.lower, "String.toLowerCase()"), 1, 1, "string"),
        "removeSpaces": Callee(
            _string_map(lambda s: s.replace(" ", ""), "String.removeSpaces()"), 1, 1, "string"
        ),
        "substringBefore": Callee(_substring_before, 2, 2, "string"),
        "substringAfter": Callee(_substring_after, 2, 2, "string"),
        "substring": Callee(_substring, 3, 3, "string"),
        "stringContains": Callee(
            _string_test(lambda s, x: x in s, "String.stringContains()"), 2, 2, "boolean"
        ),
        "startsWith": Callee(_string_test(str.startswith, "String.startsWith()"), 2, 2, "boolean"),
        "endsWith": Callee(_string_test(str.endswith, "String.endsWith()"), 2, 2, "boolean"),
        "replace": Callee(_replace, 3, 3, "string"),
        "join": Callee(_join, 1, MAX_VARIADIC, "string"),
    },
    "Arrays": {
        "contains": Callee(
            lambda a, x: a is not None and _contains(_need_list(a, "Arrays.contains()"), x),
            2,
            2,
            "boolean",
        ),
        "size": Callee(
            lambda a: 0 if a is None else len(_need_list(a, "Arrays.size()")), 1, 1, "number"
        ),
        "isEmpty": Callee(
            lambda a: a is None or not _need_list(a, "Arrays.isEmpty()"), 1, 1, "boolean"
        ),
        "toCsvString": Callee(_to_csv, 1, 1, "string"),
    },
}
