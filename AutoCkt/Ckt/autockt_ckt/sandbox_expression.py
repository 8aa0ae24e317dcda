"""
# The one grammar a client's expression may have

vlsirtools writes some values unquoted (`.param` values, a resistor's value and every other
positional value of a primitive), so an expression is netlist text: anything but one arithmetic
expression over numbers and declared parameters could add tokens to an element line, or start
a line of its own. The grammar is therefore strict, and ASCII only:

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("+" | "-") unary | primary
    primary    := number | parameter | function "(" expression ("," expression)* ")" | "(" expression ")"

- tokens are separated by plain spaces only (a newline, carriage return, vertical tab, form
  feed, no-break space or any unicode line separator would end the netlist line, for ngspice
  or for a reader of the file);
- a number is ASCII digits with an optional exponent and SPICE scale suffix (`1.5e-3`, `10k`,
  `2meg`): Python's `\\d` also matches other scripts' digits, which ngspice does not read;
- a name followed by `(` must be one of `FUNCTIONS`, with its number of arguments: a
  declared `.param` called as a function would reach ngspice's built-in of that name
  (random draws, node voltages);
- any other name must be a `.param` declared before the expression.

An expression may be wrapped whole in `{...}`, as Hdl21 writes them.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass

FUNCTIONS: dict[str, int] = {
    "abs": 1,
    "sqrt": 1,
    "exp": 1,
    "ln": 1,
    "log": 1,
    "log10": 1,
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "atan": 1,
    "pow": 2,
    "min": 2,
    "max": 2,
}
"""Functions an expression may call, with their numbers of arguments."""

_TOKEN = re.compile(
    r" *(?:(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?:meg|[fpnumkgt])?(?![A-Za-z0-9_]))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/(),]))",
    re.IGNORECASE | re.ASCII,
)


class ExpressionError(ValueError):
    """Why an expression is refused; the message is fit for a client."""


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op" or "end"
    text: str


def check_expression(text: str, params: Set[str]) -> None:
    """Raise `ExpressionError` unless `text` is one expression of the grammar above over `params`."""
    inner = text.strip(" ")
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    _Parser(_tokens(inner), params).whole()


def _tokens(text: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text.rstrip(" ")):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(f"unexpected {text[pos : pos + 10].lstrip(' ')!r}: only numbers, names, + - * / ( ) , and plain spaces")
        kind = match.lastgroup
        assert kind is not None
        tokens.append(_Token(kind, match.group(kind)))
        pos = match.end()
    return [*tokens, _Token("end", "")]


class _Parser:
    """A recursive-descent reader of the grammar: it only accepts or refuses."""

    def __init__(self, tokens: list[_Token], params: Set[str]) -> None:
        self.tokens, self.params, self.pos = tokens, params, 0

    def whole(self) -> None:
        if self.peek().kind == "end":
            raise ExpressionError("it is empty")
        self.expression()
        if self.peek().kind != "end":
            raise ExpressionError(f"{self.peek().text!r} follows a complete expression: one expression only")

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, op: str) -> None:
        token = self.take()
        if token.text != op:
            raise ExpressionError(f"expected {op!r}, found {token.text or 'the end'!r}")

    def expression(self) -> None:
        self.term()
        while self.peek().text in ("+", "-"):
            self.take()
            self.term()

    def term(self) -> None:
        self.unary()
        while self.peek().text in ("*", "/"):
            self.take()
            self.unary()

    def unary(self) -> None:
        if self.peek().text in ("+", "-"):
            self.take()
            self.unary()
        else:
            self.primary()

    def primary(self) -> None:
        token = self.take()
        if token.kind == "num":
            return
        if token.text == "(":
            self.expression()
            self.expect(")")
            return
        if token.kind != "name":
            raise ExpressionError(f"expected a number, a name or '(', found {token.text or 'the end'!r}")
        if self.peek().text == "(":
            self.call(token.text)
        elif token.text not in self.params:
            raise ExpressionError(f"{token.text!r} is not a .param declared before it")

    def call(self, name: str) -> None:
        arity = FUNCTIONS.get(name.lower())
        if arity is None:
            raise ExpressionError(f"{name!r} is not a function an expression may call: {sorted(FUNCTIONS)}")
        self.expect("(")
        self.expression()
        for _ in range(arity - 1):
            self.expect(",")
            self.expression()
        self.expect(")")
