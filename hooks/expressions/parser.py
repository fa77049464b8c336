"""The LALR parser for filter expressions and the translation of its errors into sentences."""

from __future__ import annotations

import re
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .errors import ExpressionError

# Built once at import: LALR tables are the expensive part and never change.
PARSER = Lark(
    (Path(__file__).with_name("grammar.lark")).read_text(encoding="utf-8"),
    parser="lalr",
    lexer="contextual",
    propagate_positions=True,
    maybe_placeholders=True,
)

_COMPARISONS = frozenset({"EQ", "NE", "EQEQ", "NEQ", "GT", "GE", "LT", "LE"})
_LOGICAL = frozenset({"_OROR", "_OR_LOWER", "_OR_UPPER", "_ANDAND", "_AND_LOWER", "_AND_UPPER"})
_OPERATORS = _COMPARISONS | _LOGICAL
_VALUES = frozenset({"STRING", "NUMBER", "TRUE", "FALSE", "NULL", "THIS"})
# Tokens that only continue a value (member access, selection, indexing); listing them in
# every message would drown the useful alternatives, so they are named only when alone.
_CONTINUATIONS = frozenset({"_DOT", "_SAFEDOT", "_SELECT", "_LSQB"})
_PUNCTUATION = {"_RPAR": "')'", "_RSQB": "']'", "_COMMA": "','", "_LPAR": "'('", "BANG": "'!'"}
_ORDER = ["')'", "']'", "','", "'('", "'!'", "a value", "a field name", "'.'", "an operator"]
_OPENERS = {"_LPAR": ("_RPAR", "("), "_LSQB": ("_RSQB", "["), "_SELECT": ("_RSQB", ".?[")}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\"}
_ESCAPES |= {"'": "'", '"': '"'}
_STRING_PARTS = {q: re.compile(rf"\\(u[0-9a-fA-F]{{4}}|.)|{q}{q}", re.S) for q in "'\""}


def parse(text: str) -> Tree:
    """Parse *text* into a lark tree, raising ExpressionError with a friendly message."""
    try:
        return PARSER.parse(text)
    except UnexpectedInput as exc:
        raise _translate(text, exc) from None
    except RecursionError:
        raise ExpressionError("The expression is nested too deeply") from None
    except LarkError as exc:  # anything else lark may raise is still a syntax problem
        raise ExpressionError(f"The expression could not be parsed ({exc})") from None


def _translate(text: str, exc: UnexpectedInput) -> ExpressionError:
    """Turn a lark parse error into an ExpressionError naming the column and what was expected."""
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        at_end = token.type == "$END"
        offset = len(text) if at_end else token.start_pos or 0
        position = len(text.rstrip()) + 1 if at_end else offset + 1
        found = "end of expression" if at_end else _describe_token(token)
        fallback = set(exc.expected)
    elif isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream or 0  # always set for UnexpectedCharacters
        position = offset + 1
        char = text[offset]
        if char in "'\"":
            return ExpressionError(
                "the string starting here is never closed; end it with a matching quote",
                position,
                ["a closing quote"],
            )
        found = f"'{char}'" if char.isprintable() else f"the character U+{ord(char):04X}"
        fallback = set(exc.allowed or ())
    else:  # pragma: no cover - lark's LALR front end raises only the two above
        return ExpressionError("The expression could not be parsed")
    expected = _accepted(text[:offset]) or fallback
    names = _friendly(expected)
    message = f"expected {_join(names)}, found {found}" if names else f"unexpected {found}"
    message += _hint(text, offset, found, expected)
    if isinstance(exc, UnexpectedToken) and exc.token.type in _COMPARISONS:
        message += " (comparisons cannot be chained; join them with '&&')"
    return ExpressionError(message, position, names)


def _accepted(prefix: str) -> set[str]:
    """Terminals that may follow *prefix*, found by replaying it (LALR error states forget some)."""
    try:
        interactive = PARSER.parse_interactive(prefix)
        interactive.exhaust_lexer()
        return set(interactive.accepts())
    except (LarkError, RecursionError):
        return set()


def _friendly(terminals: set[str]) -> list[str]:
    """Map lark terminal names to the short phrases used in messages, in a stable order."""
    names: set[str] = set()
    has_value = bool(terminals & _VALUES)
    for terminal in terminals:
        if terminal in _OPERATORS:
            names.add("an operator")
        elif terminal in _VALUES or (terminal == "NAME" and has_value):
            names.add("a value")
        elif terminal == "NAME":
            names.add("a field name")
        elif terminal in _PUNCTUATION:
            names.add(_PUNCTUATION[terminal])
        elif terminal in _CONTINUATIONS:
            names.add("'.'")
        elif terminal == "$END":
            names.add("end of expression")
    if names & {"a value", "an operator"}:
        # '(' starts a value or a method's arguments; the broader phrase already covers it.
        names -= {"'('", "'!'"}
    if len(names) > 1:
        names.discard("'.'")
    return sorted(names, key=lambda n: _ORDER.index(n) if n in _ORDER else len(_ORDER))


def _join(names: list[str]) -> str:
    """Join phrases as "a, b or c"."""
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _describe_token(token: Token) -> str:
    """Quote a token for a message, shortening long ones."""
    value = str(token)
    if len(value) > 30:
        value = value[:27] + "..."
    return f"'{value}'" if token.type != "STRING" else f"the string {value}"


def _tokens_before(text: str, offset: int) -> list[Token]:
    """Lex text[:offset] without parsing; empty when the prefix itself does not lex."""
    try:
        return list(PARSER.lex(text[:offset]))
    except (LarkError, RecursionError):
        return []


def _hint(text: str, offset: int, found: str, expected: set[str]) -> str:
    """Add a targeted hint for the usual mistakes (unclosed brackets, '=' and '&')."""
    if found == "end of expression" and expected & {"_RPAR", "_RSQB"}:
        stack: list[Token] = []
        for token in _tokens_before(text, offset):
            if token.type in _OPENERS:
                stack.append(token)
            elif stack and token.type == _OPENERS[stack[-1].type][0]:
                stack.pop()
        if stack:
            opener = stack[-1]
            closer = ")" if opener.type == "_LPAR" else "]"
            return (
                f" (the '{_OPENERS[opener.type][1]}' at column {(opener.start_pos or 0) + 1}"
                f" is never closed with '{closer}')"
            )
    if found == "'='":
        return " (compare with 'eq' or '==')"
    if found in ("'&'", "'|'"):
        return " (use '&&' or '||')"
    if found in ("'‘'", "'’'", "'“'", "'”'"):
        return " (use straight quotes ' or \")"
    return ""


def decode_string(token: Token) -> str:
    """Decode a string literal: backslash escapes plus SpEL's doubled quotes ('it''s')."""
    raw = str(token)
    quote = raw[0]

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape is None:
            return quote
        if escape[0] == "u" and len(escape) == 5:
            return chr(int(escape[1:], 16))
        if escape in _ESCAPES:
            return _ESCAPES[escape]
        raise ExpressionError(
            f"unknown escape sequence '\\{escape}' in a string",
            (token.start_pos or 0) + match.start() + 2,
        )

    return _STRING_PARTS[quote].sub(replace, raw[1:-1])
