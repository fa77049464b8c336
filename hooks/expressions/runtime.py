"""Value semantics shared by compiled expressions: JSON kinds, equality, ordering, lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .cost import charge, meter
from .errors import EvaluationError

# A compiled node: called with the whole event and the current selection element (or None).
Fn = Callable[[Any, Any], Any]

NUMBER_TYPES = (int, float)


def kind_of(value: Any) -> str:
    """Name the JSON kind of *value* as used in messages ("string", "number", "list", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, NUMBER_TYPES):
        return "number"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "unsupported value"


def json_eq(a: Any, b: Any) -> bool:
    """Compare two JSON values without coercion (1 != '1', true != 1, null == null)."""
    if type(a) is str and type(b) is str:  # the overwhelmingly common case, kept first
        return a == b
    kind = kind_of(a)
    if kind != kind_of(b):
        return False
    if kind == "list":
        return len(a) == len(b) and all(json_eq(x, y) for x, y in zip(a, b, strict=True))
    if kind == "object":
        return a.keys() == b.keys() and all(json_eq(a[k], b[k]) for k in a)
    if kind == "unsupported value":
        raise EvaluationError(f"cannot compare a {type(a).__name__} value")
    return bool(a == b)


def ordered(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """Check that *a* and *b* can be ordered (two numbers or two strings) and return them."""
    ka, kb = kind_of(a), kind_of(b)
    if ka == kb and ka in ("number", "string"):
        return a, b
    raise EvaluationError(f"'{op}' cannot compare a {ka} with a {kb}")


def step(value: Any, key: Any) -> Any:
    """Read one field or index from a JSON value; missing things are null."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(key) if type(key) is str else None
    if isinstance(value, (list, tuple, str)):
        if type(key) is int:
            return value[key] if 0 <= key < len(value) else None
        if type(key) is str:
            hint = "; filter a list with .?[…]" if not isinstance(value, str) else ""
            raise EvaluationError(f"cannot read field '{key}' of a {kind_of(value)}{hint}")
        raise EvaluationError(f"cannot index a {kind_of(value)} with a {kind_of(key)}")
    if type(key) is str:
        raise EvaluationError(f"cannot read field '{key}' of a {kind_of(value)}")
    raise EvaluationError(f"cannot index a {kind_of(value)}")


def walk(value: Any, keys: tuple[Any, ...]) -> Any:
    """Apply :func:`step` for each key in turn."""
    for key in keys:
        value = step(value, key)
    return value


def debug_data(event: Any) -> Any:
    """Okta quirk: filters say event.debugData, System Log events say debugContext.debugData."""
    value = step(event, "debugData")
    if value is None:
        value = step(step(event, "debugContext"), "debugData")
    return value


# Subscripting fails with one of these whenever the fast path meets anything unusual; the
# slow path then decides what that means (null for missing, EvaluationError for a type).
_MISS = (KeyError, IndexError, TypeError)


def root_path(keys: tuple[Any, ...]) -> Fn:
    """A getter for event.<keys>, unrolled for the usual short paths."""
    if keys and keys[0] == "debugData":
        return _debug_data_path(keys[1:])
    if not keys:
        return lambda ev, it: ev
    if len(keys) == 1:
        (k1,) = keys

        def get1(ev: Any, it: Any) -> Any:
            try:
                return ev[k1]
            except _MISS:
                return walk(ev, keys)

        return get1
    if len(keys) == 2:
        k1, k2 = keys

        def get2(ev: Any, it: Any) -> Any:
            try:
                return ev[k1][k2]
            except _MISS:
                return walk(ev, keys)

        return get2

    def getn(ev: Any, it: Any) -> Any:
        value = ev
        try:
            for key in keys:
                value = value[key]
            return value
        except _MISS:
            return walk(ev, keys)

    return getn


def _debug_data_path(rest: tuple[Any, ...]) -> Fn:
    """A getter for event.debugData.<rest>, with the debugContext fallback inlined."""

    def get(ev: Any, it: Any) -> Any:
        if type(ev) is dict:
            base = ev.get("debugData")
            if base is None:
                context = ev.get("debugContext")
                if type(context) is dict:
                    base = context.get("debugData")
                else:
                    base = step(context, "debugData")
        else:
            base = debug_data(ev)
        value: Any = base
        try:
            for key in rest:
                value = value[key]
            return value
        except _MISS:
            return walk(base, rest)

    return get


def element_path(keys: tuple[Any, ...]) -> Fn:
    """A getter for a field of the current selection element (`type` in `.?[type eq 'X']`)."""
    if not keys:
        return lambda ev, it: it
    if len(keys) == 1:
        (k1,) = keys

        def get1(ev: Any, it: Any) -> Any:
            try:
                return it[k1]
            except _MISS:
                return walk(it, keys)

        return get1
    return lambda ev, it: walk(it, keys)


def path_from(base: Fn, keys: tuple[Any, ...]) -> Fn:
    """A getter for <base>.<keys> where base is any compiled node."""
    if not keys:
        return base
    return lambda ev, it: walk(base(ev, it), keys)


def select(base: Fn, predicate: Fn) -> Fn:
    """SpEL collection selection `list.?[predicate]`; null selects nothing."""

    def selection(ev: Any, it: Any) -> list[Any]:
        items = base(ev, it)
        if items is None:
            return []
        if isinstance(items, (list, tuple)):
            charge(len(items))
            return [item for item in items if predicate(ev, item)]
        raise EvaluationError(f"'.?[…]' can only filter a list, not a {kind_of(items)}")

    return selection


def any_selected(base: Fn, predicate: Fn) -> Fn:
    """`list.?[predicate].size() > 0`, stopping at the first match."""

    def exists(ev: Any, it: Any) -> bool:
        items = base(ev, it)
        if items is None:
            return False
        if isinstance(items, (list, tuple)):
            # Inlined charge(): the whole list is charged, also when the loop stops early.
            left = meter.remaining - len(items)
            meter.remaining = left
            if left < 0:
                charge(0)
            # A plain loop instead of any(): no generator frame on the hot path.
            for item in items:  # noqa: SIM110
                if predicate(ev, item):
                    return True
            return False
        raise EvaluationError(f"'.?[…]' can only filter a list, not a {kind_of(items)}")

    return exists


def dynamic_index(base: Fn, index: Fn) -> Fn:
    """`value[expr]` where the index is only known at evaluation time."""
    return lambda ev, it: step(base(ev, it), index(ev, it))


def equals_constant(f: Fn, constant: Any) -> Fn:
    """Equality against a literal, specialised so the common string case is one `==`."""
    if type(constant) is str:
        return lambda ev, it: f(ev, it) == constant
    if constant is None or type(constant) is bool:
        return lambda ev, it: f(ev, it) is constant

    def number_equals(ev: Any, it: Any) -> bool:
        value = f(ev, it)
        return (type(value) is int or type(value) is float) and value == constant

    return number_equals


def contains_constant(f: Fn, needle: str, general: Callable[..., bool]) -> Fn:
    """`x.contains('literal')`: a plain substring test when x is a string."""

    def contains(ev: Any, it: Any) -> bool:
        value = f(ev, it)
        if type(value) is str:
            return needle in value
        return general(value, needle)

    return contains


def invoke(impl: Callable[..., Any], fns: list[Fn]) -> Fn:
    """Call *impl* with the values of *fns*, unrolled for the usual arities."""
    if len(fns) == 1:
        (a,) = fns
        return lambda ev, it: impl(a(ev, it))
    if len(fns) == 2:
        a, b = fns
        return lambda ev, it: impl(a(ev, it), b(ev, it))
    return lambda ev, it: impl(*[f(ev, it) for f in fns])


def any_of(fns: list[Fn]) -> Fn:
    """Short-circuit `||` over conditions, unrolled for two operands."""
    if len(fns) == 2:
        a, b = fns
        return lambda ev, it: a(ev, it) or b(ev, it)

    def any_of(ev: Any, it: Any) -> bool:
        for f in fns:  # noqa: SIM110 - a loop avoids any()'s generator frame
            if f(ev, it):
                return True
        return False

    return any_of


def all_of(fns: list[Fn]) -> Fn:
    """Short-circuit `&&` over conditions, unrolled for two operands."""
    if len(fns) == 2:
        a, b = fns
        return lambda ev, it: a(ev, it) and b(ev, it)

    def all_of(ev: Any, it: Any) -> bool:
        for f in fns:  # noqa: SIM110 - a loop avoids all()'s generator frame
            if not f(ev, it):
                return False
        return True

    return all_of
