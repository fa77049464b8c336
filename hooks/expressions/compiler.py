"""Compile a parsed filter expression into nested Python closures (no eval, no getattr)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from lark import Token, Tree

from . import cost
from . import runtime as rt
from .errors import EvaluationError, ExpressionError
from .functions import FUNCTIONS, METHODS, Callee
from .parser import decode_string, parse
from .runtime import Fn

DEFAULT_MAX_LENGTH = 1024
# Bounds the recursion of both compiling and evaluating, far above any real filter.
MAX_DEPTH = 48
BOOLEAN, STRING, NUMBER, NULL, LIST, VALUE = "boolean", "string", "number", "null", "list", "value"
_NO_CONST: Any = object()
_UNBUILT: Any = object()  # placeholder getter of a field path still being extended
_DESCRIBE = {
    BOOLEAN: "a boolean",
    STRING: "a string",
    NUMBER: "a number",
    NULL: "null",
    LIST: "a list",
    VALUE: "a field value",
}
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_EQUALITY = {"eq": False, "==": False, "ne": True, "!=": True}  # value: negate?
_TOO_NESTED = (
    f"a '.?[…]' selection may contain at most {cost.MAX_SELECTION_NESTING - 1} other"
    f" (at most {cost.MAX_SELECTION_NESTING} levels of .?[…]): each level multiplies the work"
    " by the list's length; test the inner lists with separate conditions joined by '&&'"
)


@dataclass(slots=True)
class Node:
    """A compiled sub-expression: its closure plus what is statically known about it."""

    fn: Fn
    kind: str
    start: int
    end: int
    const: Any = _NO_CONST
    path: tuple[str, list[Any]] | None = None  # ("root" | "element", keys) of a field path
    selection: tuple[Fn, Fn] | None = None  # (list, predicate) of a `.?[…]`
    selection_size: tuple[Fn, Fn] | None = None  # the same, for `.?[…].size()`


class CompiledExpression:
    """A compiled filter; evaluate() it against System Log event dicts."""

    __slots__ = ("source", "_fn", "metered")

    def __init__(self, source: str, fn: Fn, *, metered: bool = True) -> None:
        self.source = source
        self._fn = fn
        self.metered = metered  # False when it has no selection: nothing to count

    def evaluate(self, event: dict[str, Any], *, max_steps: int = cost.DEFAULT_MAX_STEPS) -> bool:
        """Return whether *event* passes the filter; EvaluationError on a runtime type problem,
        CostLimitError (one) when its selections visit more than `max_steps` list elements."""
        if self.metered:
            cost.meter.remaining = cost.meter.budget = max_steps  # cost.start(), inlined
        try:
            return self._fn(event, None)
        except RecursionError:  # only reachable with absurdly nested event JSON
            raise EvaluationError("the event is nested too deeply to evaluate") from None

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


@functools.lru_cache(maxsize=1024)
def compile_expression(text: str, *, max_length: int = DEFAULT_MAX_LENGTH) -> CompiledExpression:
    """Compile (and cache) a boolean filter expression; raises ExpressionError."""
    if not isinstance(text, str):
        raise ExpressionError(f"The expression must be a string, not {type(text).__name__}")
    if len(text) > max_length:
        raise ExpressionError(
            f"The expression is {len(text)} characters long; the limit is {max_length}"
        )
    if not text.strip():
        raise ExpressionError("The expression is empty")
    compiler = _Compiler(text)
    node = compiler.compile(parse(text))
    compiler.require_boolean(node, "the expression must evaluate to true or false")
    return CompiledExpression(text, node.fn, metered=compiler.selections > 0)


class _Compiler:
    """Walks one lark tree, checking it statically and building closures bottom-up."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.depth = 0
        self.scopes = 0  # how many `.?[…]` predicates enclose the current node
        self.selections = 0  # how many `.?[…]` the expression has
        self.handlers: dict[str, Callable[[Tree], Node]] = {
            "or_expr": self._or,
            "and_expr": self._and,
            "compare": self._compare,
            "not_": self._not,
            "chain": self._chain,
            "name": self._chain,
            "this": self._chain,
            "string": self._literal,
            "number": self._literal,
            "true": self._literal,
            "false": self._literal,
            "null": self._literal,
        }

    # -- helpers -------------------------------------------------------------------------

    def compile(self, tree: Tree) -> Node:
        """Compile one sub-tree, enforcing the nesting limit."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self.error(tree, f"the expression is nested too deeply (limit {MAX_DEPTH})")
            return self.handlers[str(tree.data)](tree)
        finally:
            self.depth -= 1

    @staticmethod
    def span(item: Tree | Token) -> tuple[int, int]:
        """0-based start and end offsets of a tree or token."""
        if isinstance(item, Token):
            return item.start_pos or 0, item.end_pos or 0
        if item.meta.empty:
            return 0, 0
        return item.meta.start_pos, item.meta.end_pos

    def error(self, item: Tree | Token | Node, message: str) -> ExpressionError:
        """An ExpressionError positioned at *item*."""
        start = item.start if isinstance(item, Node) else self.span(item)[0]
        return ExpressionError(message, start + 1)

    def snippet(self, node: Node) -> str:
        """The source text of *node*, shortened for messages."""
        text = " ".join(self.text[node.start : node.end].split())
        return text if len(text) <= 40 else text[:37] + "..."

    def require_boolean(self, node: Node, context: str) -> None:
        """Reject *node* unless it statically yields true/false."""
        if node.kind == BOOLEAN:
            return
        snippet = self.snippet(node)
        hint = "compare it with eq, ne, >, < … or call a method such as contains()"
        if node.kind == VALUE:
            hint = f"compare it, e.g. {snippet} eq '…', or call a method such as contains()"
        raise self.error(node, f"{context}, but {snippet} is {_DESCRIBE[node.kind]}; {hint}")

    # -- logical operators ---------------------------------------------------------------

    def _or(self, tree: Tree) -> Node:
        fns = self._conditions(tree, "'||' joins conditions")
        return Node(rt.any_of(fns), BOOLEAN, *self.span(tree))

    def _and(self, tree: Tree) -> Node:
        fns = self._conditions(tree, "'&&' joins conditions")
        return Node(rt.all_of(fns), BOOLEAN, *self.span(tree))

    def _conditions(self, tree: Tree, context: str) -> list[Fn]:
        nodes = [self.compile(child) for child in tree.children]
        for node in nodes:
            self.require_boolean(node, context)
        return [node.fn for node in nodes]

    def _not(self, tree: Tree) -> Node:
        *bangs, operand_tree = tree.children
        operand = self.compile(operand_tree)
        self.require_boolean(operand, "'!' negates a condition (write !(… eq …))")
        f = operand.fn
        fn: Fn = f if len(bangs) % 2 == 0 else (lambda ev, it: not f(ev, it))
        return Node(fn, BOOLEAN, *self.span(tree))

    # -- comparisons ---------------------------------------------------------------------

    def _compare(self, tree: Tree) -> Node:
        left_tree, op_token, right_tree = tree.children
        left, right = self.compile(left_tree), self.compile(right_tree)
        op = str(op_token)
        if op in _EQUALITY:
            fn = self._equality(left, right, negate=_EQUALITY[op])
        else:
            fn = self._ordering(left, right, op)
        return Node(fn, BOOLEAN, *self.span(tree))

    def _equality(self, left: Node, right: Node, *, negate: bool) -> Fn:
        exists = self._selection_test(left, right)
        if exists is not None:
            fn = exists[0]
            return (lambda ev, it: not fn(ev, it)) if negate != exists[1] else fn
        if right.const is not _NO_CONST:
            fn = rt.equals_constant(left.fn, right.const)
        elif left.const is not _NO_CONST:
            fn = rt.equals_constant(right.fn, left.const)
        else:
            lf, rf = left.fn, right.fn
            fn = lambda ev, it: rt.json_eq(lf(ev, it), rf(ev, it))  # noqa: E731
        return (lambda ev, it: not fn(ev, it)) if negate else fn

    @staticmethod
    def _selection_test(left: Node, right: Node) -> tuple[Fn, bool] | None:
        """`x.?[p].size() eq 0` → (exists, True): compile size tests to a short-circuit any()."""
        if left.selection_size is None or type(right.const) is not int or right.const != 0:
            return None
        return rt.any_selected(*left.selection_size), True

    def _ordering(self, left: Node, right: Node, op: str) -> Fn:
        for node in (left, right):
            if node.kind in (BOOLEAN, NULL, LIST):
                raise self.error(
                    node,
                    f"'{op}' compares numbers or strings, but {self.snippet(node)}"
                    f" is {_DESCRIBE[node.kind]}",
                )
        if {left.kind, right.kind} == {STRING, NUMBER}:
            raise self.error(left, f"'{op}' cannot compare a string with a number")
        compare = _ORDERING[op]
        if (
            left.selection_size is not None
            and type(right.const) is int
            and (op, right.const) in ((">", 0), (">=", 1))
        ):
            return rt.any_selected(*left.selection_size)
        lf, rf = left.fn, right.fn
        if type(right.const) in (int, float):
            c = right.const

            def against_number(ev: Any, it: Any) -> bool:
                value = lf(ev, it)
                if type(value) is int or type(value) is float:
                    return compare(value, c)
                return compare(*rt.ordered(value, c, op))

            return against_number
        return lambda ev, it: compare(*rt.ordered(lf(ev, it), rf(ev, it), op))

    # -- values --------------------------------------------------------------------------

    def _literal(self, tree: Tree) -> Node:
        kind = str(tree.data)
        start, end = self.span(tree)
        if kind == "string":
            value: Any = decode_string(cast(Token, tree.children[0]))
            node_kind = STRING
        elif kind == "number":
            value, node_kind = self._number(cast(Token, tree.children[0])), NUMBER
        else:
            value = {"true": True, "false": False, "null": None}[kind]
            node_kind = BOOLEAN if value is not None else NULL
        return Node(lambda ev, it: value, node_kind, start, end, const=value)

    def _number(self, token: Token) -> int | float:
        text = str(token)
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:  # int() refuses absurdly long digit strings
            raise self.error(token, f"the number {text[:20]} is too long") from None

    def _chain(self, tree: Tree) -> Node:
        if tree.data == "chain":
            head, *trailers = tree.children
        else:
            head, trailers = tree, []
        node, trailers = self._head(head, trailers)
        for trailer in trailers:
            node = self._trailer(node, trailer)
        return self._realize(node)

    def _head(self, head: Tree, trailers: list[Tree]) -> tuple[Node, list[Tree]]:
        start, end = self.span(head)
        if head.data == "this":
            return self._path("element" if self.scopes else "root", [], start, end), trailers
        if head.data != "name":
            return self.compile(head), trailers
        name = str(head.children[0])
        if name in FUNCTIONS:
            if not trailers or trailers[0].data != "call":
                raise self.error(
                    head, f"'{name}' is a function namespace; call a function such as {name}.…(…)"
                )
            return self._function(name, trailers[0], start), trailers[1:]
        if name == "event":
            return self._path("root", [], start, end), trailers
        if self.scopes:  # inside `.?[…]` bare names are fields of the element being tested
            return self._path("element", [name], start, end), trailers
        raise self.error(
            head, f"unknown name '{name}'; expressions start with 'event' (e.g. event.actor.id)"
        )

    @staticmethod
    def _path(source: str, keys: list[Any], start: int, end: int) -> Node:
        # The getter is built by _realize once the whole run of fields is known, which keeps
        # long chains linear and lets the getter unroll the complete key tuple.
        return Node(_UNBUILT, VALUE, start, end, path=(source, keys))

    @staticmethod
    def _realize(node: Node) -> Node:
        if node.fn is _UNBUILT and node.path is not None:
            source, keys = node.path
            getter = rt.root_path if source == "root" else rt.element_path
            node.fn = getter(tuple(keys))
        return node

    def _trailer(self, node: Node, trailer: Tree) -> Node:
        start, end = node.start, self.span(trailer)[1]
        kind = trailer.data
        if kind == "attr":
            return self._field(node, str(trailer.children[0]), trailer, start, end)
        if kind == "index":
            index = self.compile(trailer.children[0])
            key = index.const
            if type(key) is str or (type(key) is int and key >= 0):
                return self._field(node, key, trailer, start, end)
            node = self._realize(node)
            return Node(rt.dynamic_index(node.fn, index.fn), VALUE, start, end)
        node = self._realize(node)
        if kind == "select":
            if node.kind in (STRING, NUMBER, BOOLEAN):
                raise self.error(trailer, f"'.?[…]' filters a list, not {_DESCRIBE[node.kind]}")
            if self.scopes >= cost.MAX_SELECTION_NESTING:
                raise self.error(trailer, _TOO_NESTED)
            self.selections += 1
            self.scopes += 1
            try:
                predicate = self.compile(trailer.children[0])
            finally:
                self.scopes -= 1
            self.require_boolean(predicate, "'.?[…]' needs a condition")
            fn = rt.select(node.fn, predicate.fn)
            return Node(fn, LIST, start, end, selection=(node.fn, predicate.fn))
        return self._method(node, trailer, start, end)

    def _field(self, node: Node, key: Any, trailer: Tree, start: int, end: int) -> Node:
        if node.kind in (STRING, NUMBER, BOOLEAN) and type(key) is str:
            raise self.error(trailer, f"cannot read field '{key}' of {_DESCRIBE[node.kind]}")
        if node.path is not None and node.fn is _UNBUILT:
            node.path[1].append(key)
            node.end = end
            return node
        return Node(rt.path_from(node.fn, (key,)), VALUE, start, end)

    def _arguments(self, call: Tree, callee: Callee, label: str) -> list[Node]:
        args_tree = call.children[1]
        args = [self.compile(arg) for arg in args_tree.children] if args_tree else []
        low, high = callee.min_args, callee.max_args
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            plural = "" if wanted == "1" else "s"
            raise self.error(call, f"{label} takes {wanted} argument{plural}, got {len(args)}")
        return args

    def _method(self, node: Node, call: Tree, start: int, end: int) -> Node:
        name = str(call.children[0])
        callee = METHODS.get(name)
        if callee is None:
            known = ", ".join(f"{m}()" for m in sorted(METHODS))
            raise self.error(call, f"unknown method '{name}()'; available methods: {known}")
        args = self._arguments(call, callee, f"{name}()")
        if name == "contains" and type(args[0].const) is str:
            fn = rt.contains_constant(node.fn, args[0].const, callee.impl)
        else:
            fn = rt.invoke(callee.impl, [node.fn, *(a.fn for a in args)])
        result = Node(fn, callee.kind, start, end)
        if name == "size" and node.selection is not None:
            result.selection_size = node.selection
        return result

    def _function(self, namespace: str, call: Tree, start: int) -> Node:
        name = str(call.children[0])
        callee = FUNCTIONS[namespace].get(name)
        if callee is None:
            known = ", ".join(f"{namespace}.{f}" for f in sorted(FUNCTIONS[namespace]))
            raise ExpressionError(
                f"unknown function '{namespace}.{name}'; available functions: {known}", start + 1
            )
        args = self._arguments(call, callee, f"{namespace}.{name}()")
        fn = rt.invoke(callee.impl, [a.fn for a in args])
        return Node(fn, callee.kind, start, self.span(call)[1])
