"""The XLSForm expression language: one parser, one evaluator, never ``eval``.

XLSForm writes routing (``relevant``), validation (``constraint``, ``required``), derived values
(``calculation``) and dynamic choice lists (``choice_filter``) in a subset of XPath 1.0; peiling
also uses it for analysis filters and banner definitions. ``parse`` compiles a text once (cached)
into an immutable ``Expression``; ``Expression.evaluate`` runs it against an ``Environment`` of
answers. ``pipe`` fills ``${name}`` into labels and hints.

Grammar, loosest binding first (all binary operators are left-associative)::

    or  <  and  <  = !=  <  < <= > >=  <  + -  <  * div mod  <  unary -

Operands: ``${name}``, ``.`` (the answer being checked, in a constraint), ``'text'`` or ``"text"``,
numbers (``12``, ``1.5``, ``.5``), parentheses and the functions in ``FUNCTIONS``. Inside a
``choice_filter`` (``parse(text, choice_filter=True)``) a bare name such as ``org`` reads that
column of the choice being filtered (``name`` is the choice's name). Everything else XPath has —
paths (``/data/q``), ``..``, ``@attributes``, ``[predicates]``, ``|`` unions, ``$variables``,
other functions — is a syntax error that names the construct and the fix.

Answers (``Environment.values``) are Python values: ``None`` (unanswered), ``str`` (text or a
select_one choice name), ``int``/``float``, ``datetime.date``, and ``tuple[str, ...]`` of choice
names for select_multiple and rank. Evaluation follows JavaRosa, the engine of ODK Collect:

- unanswered: the empty string ``''``, so ``${q} = ''`` is true and ``number('')`` is NaN;
- select_multiple and rank: their space-separated string ``'a b'``;
- ``=`` ``!=``: as booleans if either side is a boolean, else as numbers if either side is a
  number (equal within 1e-12), else as strings;
- ``<`` ``<=`` ``>`` ``>=``: as numbers; NaN compares false; dates count days since 1970-01-01;
- text to number: trimmed, ``','`` read as ``'.'``, only digits, ``-`` and ``.`` — else NaN;
- number to text: ``3``, ``2.5``, ``NaN``, ``Infinity``, never an exponent (XPath 1.0 §4.2);
- boolean: ``''``, 0 and NaN are false, any other text or number and any date true;
- ``div`` and ``mod``: IEEE 754, so ``1 div 0`` is Infinity, ``0 div 0`` and ``5 mod 0`` are
  NaN; ``mod`` keeps the sign of the dividend (Java ``%``);
- ``int(x)`` truncates toward zero; ``round(x, n)`` rounds half toward +infinity on the decimal
  digits (``round(2.675, 2)`` = 2.68, ``round(-2.5)`` = -2), never half to even as Python does;
- ``selected(a, 'x')``: ``' x '`` occurs in ``' ' + a + ' '``, so false for unanswered ``a``;
- ``regex(s, p)``: ``p`` matches the whole of ``s`` (Java ``Pattern.matches``); ``\\d``, ``\\w``
  and ``\\s`` are ASCII, as in Java;
- ``coalesce(a, b)``: ``b`` when ``a`` is ``''`` or NaN; ``if()`` and ``coalesce()`` evaluate
  only the argument they return.

Deliberate differences from JavaRosa: ``selected()`` and ``count-selected()`` accept any value
(JavaRosa fails on a number); ``round(-36, -1)`` is -40 (JavaRosa truncates negative numbers
to -30 when places are negative); ``string-length()`` counts characters, not UTF-16 units;
``Infinity = Infinity`` is true (XPath 1.0). ``date(x)`` is supported so that dates can be
compared with literals: ``. >= date('1900-01-01')``.

Bounded work: texts over ``MAX_LENGTH`` characters or nesting parentheses and calls deeper than
``MAX_DEPTH`` are syntax errors; ``regex()`` patterns whose counted repeats expand past
``MAX_PATTERN_SIZE`` elements are refused and matching stops after ``REGEX_TIMEOUT_SECONDS``;
``concat()`` refuses results over ``MAX_TEXT_LENGTH`` characters.

Exceptions::

    ExpressionError              text, position (1-based character, or None), message
     ├── ExpressionSyntaxError   raised by parse()
     └── EvaluationError         the only exception evaluate() and pipe() raise (except what a
                                 choice_label callable you pass raises itself)

References:
    W3C, XML Path Language (XPath) 1.0, 1999, §3.4 Booleans, §3.5 Numbers, §4 Core Function
    Library. https://www.w3.org/TR/1999/REC-xpath-19991116/
    getodk/javarosa, ``org/javarosa/xpath/expr/XPathFuncExpr.java`` (toNumeric, toString,
    toBoolean, toInt, round, regex, multiSelected, countSelected, coalesce), ``XPathEqExpr.java``,
    ``XPathCmpExpr.java``, ``XPathArithExpr.java``, ``XPathPathExpr.unpackValue``.
    ODK XForms specification, "XPath Functions". https://getodk.github.io/xforms-spec/
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Context, Decimal
from typing import Any, TypeAlias

import regex

from peiling.forms.model import Choice

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_PATTERN_SIZE",
    "MAX_TEXT_LENGTH",
    "REGEX_TIMEOUT_SECONDS",
    "And",
    "Answer",
    "Call",
    "Chain",
    "ChoiceColumn",
    "ChoiceLabel",
    "Current",
    "Environment",
    "EvaluationError",
    "Expression",
    "ExpressionError",
    "ExpressionSyntaxError",
    "Literal",
    "Negate",
    "Node",
    "Or",
    "Reference",
    "Value",
    "parse",
    "pipe",
    "references_in_text",
    "references_masked",
    "to_boolean",
    "to_number",
    "to_string",
]

MAX_LENGTH = 4_000
MAX_DEPTH = 64
MAX_TEXT_LENGTH = 100_000
MAX_PATTERN_SIZE = 10_000
REGEX_TIMEOUT_SECONDS = 0.1

Answer: TypeAlias = str | int | float | dt.date | tuple[str, ...] | None
Value: TypeAlias = bool | float | str | dt.date
#: ``choice_label(question_name, choice_name)``: the label to show, or None when unknown.
ChoiceLabel: TypeAlias = Callable[[str, str], str | None]

_EPOCH = dt.date(1970, 1, 1)
_NAME = r"[^\W\d][\w.-]*"
_TEXT_REFERENCE = re.compile(rf"\$\{{({_NAME})\}}")


class ExpressionError(Exception):
    """An expression that cannot be parsed or evaluated; ``position`` is 1-based or None."""

    def __init__(self, message: str, text: str = "", position: int | None = None) -> None:
        super().__init__(message, text, position)
        self.message = message
        self.text = text
        self.position = position

    def __str__(self) -> str:
        return self.message


class ExpressionSyntaxError(ExpressionError):
    """The text is not a valid expression."""


class EvaluationError(ExpressionError):
    """The expression cannot be evaluated against these answers."""


@dataclass(frozen=True)
class Environment:
    """What an expression reads: the answers so far, the answer being checked, the choice
    being filtered (``choice_filter``), choice labels (``jr:choice-name``, piping) and today.

    A name absent from ``values`` is unanswered. ``today`` None means ``date.today()``.
    """

    values: Mapping[str, Answer] = field(default_factory=dict)
    current: Answer = None
    choice: Choice | None = None
    choice_label: ChoiceLabel | None = None
    today: dt.date | None = None


# -- conversions (XPath 1.0 §4.2-4.4 as JavaRosa implements them) ---------------------------


def to_boolean(value: Value) -> bool:
    """Return XPath ``boolean(value)``: '' false, 0 and NaN false, dates true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return abs(value) > 1e-12  # NaN compares false; JavaRosa treats |x| <= 1e-12 as 0
    if isinstance(value, str):
        return value != ""
    return True


def to_number(value: Value) -> float:
    """Return XPath ``number(value)``; text that is not a plain decimal is NaN."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        text = value.replace(",", ".").strip()
        if not text or text.strip("-.0123456789"):
            return math.nan
        try:
            return float(text)
        except ValueError:
            return math.nan
    return float((value - _EPOCH).days)


def to_string(value: Value) -> str:
    """Return XPath ``string(value)``: ``3``, ``2.5``, ``NaN``, ``true``, ``2024-05-01``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value == int(value):
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        return value
    return value.isoformat()


def _from_answer(answer: object, where: str) -> Value:
    """Return the XPath value of an answer; raise ValueError naming ``where`` if unusable."""
    if answer is None:
        return ""
    if isinstance(answer, bool | float | str):
        return answer
    if isinstance(answer, int):
        try:
            return float(answer)
        except OverflowError:
            raise ValueError(f"{where} is too large a number to compute with") from None
    if isinstance(answer, dt.datetime):
        return answer.date()
    if isinstance(answer, dt.date):
        return answer
    if isinstance(answer, tuple | list) and all(isinstance(item, str) for item in answer):
        return " ".join(answer)
    raise ValueError(
        f"{where} is a {type(answer).__name__}; expected None, str, int, float, date "
        "or a tuple of choice names"
    )


def _equal(left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return to_boolean(left) == to_boolean(right)
    if isinstance(left, float) or isinstance(right, float):
        a, b = to_number(left), to_number(right)
        return a == b or abs(a - b) < 1e-12
    return to_string(left) == to_string(right)


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _modulo(a: float, b: float) -> float:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or b == 0:
        return math.nan
    return a if math.isinf(b) else math.fmod(a, b)


_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "=": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": lambda a, b: to_number(a) < to_number(b),
    "<=": lambda a, b: to_number(a) <= to_number(b),
    ">": lambda a, b: to_number(a) > to_number(b),
    ">=": lambda a, b: to_number(a) >= to_number(b),
    "+": lambda a, b: to_number(a) + to_number(b),
    "-": lambda a, b: to_number(a) - to_number(b),
    "*": lambda a, b: to_number(a) * to_number(b),
    "div": lambda a, b: _divide(to_number(a), to_number(b)),
    "mod": lambda a, b: _modulo(to_number(a), to_number(b)),
}
_PRECEDENCE = {"or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4}
_PRECEDENCE |= {"+": 5, "-": 5, "*": 6, "div": 6, "mod": 6}
_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})


# -- syntax tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    env: Environment
    text: str

    def fail(self, message: str, position: int | None = None) -> EvaluationError:
        return EvaluationError(message, self.text, position)


class Node:
    """A node of the syntax tree; ``evaluate`` returns its XPath value."""

    __slots__ = ()

    def evaluate(self, scope: _Scope) -> Value:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: str | float

    def evaluate(self, scope: _Scope) -> Value:
        return self.value


@dataclass(frozen=True, slots=True)
class Reference(Node):
    name: str
    position: int

    def evaluate(self, scope: _Scope) -> Value:
        try:
            return _from_answer(scope.env.values.get(self.name), f"the answer to ${{{self.name}}}")
        except ValueError as problem:
            raise scope.fail(f"{problem} (at position {self.position})", self.position) from None


@dataclass(frozen=True, slots=True)
class Current(Node):
    position: int

    def evaluate(self, scope: _Scope) -> Value:
        try:
            return _from_answer(scope.env.current, "the current answer ('.')")
        except ValueError as problem:
            raise scope.fail(f"{problem} (at position {self.position})", self.position) from None


@dataclass(frozen=True, slots=True)
class ChoiceColumn(Node):
    """A bare name in a choice_filter: a column of the choice being filtered."""

    name: str
    position: int

    def evaluate(self, scope: _Scope) -> Value:
        choice = scope.env.choice
        if choice is None:
            raise scope.fail(
                f"'{self.name}' at position {self.position} reads a column of the choices "
                "sheet, which only a choice_filter can do; pass Environment(choice=...)",
                self.position,
            )
        return choice.name if self.name == "name" else choice.extra.get(self.name, "")


@dataclass(frozen=True, slots=True)
class Negate(Node):
    """Unary minus; ``odd`` False keeps ``- -x`` as ``number(x)``."""

    operand: Node
    odd: bool = True

    def evaluate(self, scope: _Scope) -> Value:
        number = to_number(self.operand.evaluate(scope))
        return -number if self.odd else number


@dataclass(frozen=True, slots=True)
class Or(Node):
    operands: tuple[Node, ...]

    def evaluate(self, scope: _Scope) -> Value:
        return any(to_boolean(operand.evaluate(scope)) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class And(Node):
    operands: tuple[Node, ...]

    def evaluate(self, scope: _Scope) -> Value:
        return all(to_boolean(operand.evaluate(scope)) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """``first op1 x1 op2 x2 ...`` of one precedence level, folded from the left.

    Flat rather than nested so that a long ``1 + 1 + ... + 1`` does not recurse."""

    first: Node
    rest: tuple[tuple[str, Node], ...]

    def evaluate(self, scope: _Scope) -> Value:
        value = self.first.evaluate(scope)
        for operator, operand in self.rest:
            value = _BINARY[operator](value, operand.evaluate(scope))
        return value


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]
    position: int

    def evaluate(self, scope: _Scope) -> Value:
        function = FUNCTIONS[self.name]
        if function.lazy:
            return function.apply(scope, self)
        return function.apply(scope, self, *(arg.evaluate(scope) for arg in self.args))


# -- functions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Function:
    minimum: int
    maximum: int | None  # None: any number
    usage: str
    apply: Callable[..., Value]
    lazy: bool = False  # apply(scope, call) evaluates the arguments it needs itself

    def arity(self) -> str:
        if self.maximum is None:
            return f"at least {self.minimum} argument" + ("s" if self.minimum != 1 else "")
        if self.minimum == self.maximum:
            count = {0: "no arguments", 1: "1 argument"}.get(self.minimum)
            return count or f"{self.minimum} arguments"
        return f"{self.minimum} or {self.maximum} arguments"


def _if(scope: _Scope, call: Call) -> Value:
    test, then, otherwise = call.args
    return (then if to_boolean(test.evaluate(scope)) else otherwise).evaluate(scope)


def _coalesce(scope: _Scope, call: Call) -> Value:
    first = call.args[0].evaluate(scope)
    empty = first == "" or (isinstance(first, float) and math.isnan(first))
    return call.args[1].evaluate(scope) if empty else first


def _concat(scope: _Scope, call: Call, *values: Value) -> Value:
    parts = [to_string(value) for value in values]
    length = sum(len(part) for part in parts)
    if length > MAX_TEXT_LENGTH:
        raise scope.fail(
            f"concat() at position {call.position} would make a text of {length:,} characters; "
            f"the limit is {MAX_TEXT_LENGTH:,} — shorten the parts",
            call.position,
        )
    return "".join(parts)


def _regex(scope: _Scope, call: Call, value: Value, pattern: Value) -> Value:
    try:
        compiled = _compile_pattern(to_string(pattern))
    except ValueError as problem:
        raise scope.fail(f"regex() at position {call.position}: {problem}", call.position) from None
    subject = to_string(value)
    try:
        return compiled.fullmatch(subject, timeout=REGEX_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise scope.fail(
            f"regex() at position {call.position} took longer than {REGEX_TIMEOUT_SECONDS} s "
            f"on a text of {len(subject):,} characters; simplify the pattern (avoid nested "
            "repeats such as (a+)+)",
            call.position,
        ) from None


def _round(value: Value, places: Value = 0.0) -> Value:
    number, digits = to_number(value), to_number(places)
    if math.isnan(number) or math.isinf(number):
        return number
    digits = 0.0 if math.isnan(digits) else digits
    if abs(digits) > 30:
        return math.nan  # as JavaRosa: absurd precision is no number
    # Half toward +infinity on the shortest decimal form (JavaRosa: BigDecimal of
    # Double.toString with HALF_UP, or HALF_DOWN for negative numbers).
    rounding = ROUND_HALF_UP if number >= 0 else ROUND_HALF_DOWN
    quantum = Decimal(1).scaleb(-int(digits))
    return float(Decimal(repr(number)).quantize(quantum, rounding, _DECIMAL_CONTEXT))


_DECIMAL_CONTEXT = Context(prec=400)


def _int(value: Value) -> Value:
    number = to_number(value)
    return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))


def _date(scope: _Scope, call: Call, value: Value) -> Value:
    if isinstance(value, dt.date) or value == "":
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return value
        if abs(value) <= 2_900_000:  # the days datetime.date can hold
            return _EPOCH + dt.timedelta(days=math.trunc(value))
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})(?:T[0-9:.+\-Z]*)?\s*", value)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
    raise scope.fail(
        f"date() at position {call.position} cannot read {to_string(value)[:40]!r} as a date; "
        "write dates as 'YYYY-MM-DD'",
        call.position,
    )


def _choice_name(scope: _Scope, call: Call, value: Value, question: Value) -> Value:
    choice = to_string(value)
    if choice == "":
        return ""
    if scope.env.choice_label is None:
        raise scope.fail(
            f"jr:choice-name() at position {call.position} needs choice labels; evaluate it "
            "with Environment(choice_label=...)",
            call.position,
        )
    label = scope.env.choice_label(to_string(question), choice)
    return "" if label is None else label


def _selected(answer: Value, choice: Value) -> Value:
    return f" {to_string(choice).strip()} " in f" {to_string(answer)} "


def _count_selected(answer: Value) -> Value:
    return float(sum(1 for name in to_string(answer).split(" ") if name))


def _string_length(text: Value) -> Value:
    return float(len(to_string(text)))


def _today(scope: _Scope, call: Call) -> Value:
    return dt.date.today() if scope.env.today is None else scope.env.today


def _eager(function: Callable[..., Value]) -> Callable[..., Value]:
    """Adapt a function of values alone to the ``apply(scope, call, *values)`` signature."""
    return lambda scope, call, *values: function(*values)


FUNCTIONS: Mapping[str, _Function] = {
    "boolean": _Function(1, 1, "boolean(x)", _eager(to_boolean)),
    "coalesce": _Function(2, 2, "coalesce(${q}, 'fallback')", _coalesce, lazy=True),
    "concat": _Function(0, None, "concat(${a}, ' ', ${b})", _concat),
    "count-selected": _Function(1, 1, "count-selected(${q})", _eager(_count_selected)),
    "date": _Function(1, 1, "date('2024-12-31')", _date),
    "false": _Function(0, 0, "false()", _eager(lambda: False)),
    "if": _Function(3, 3, "if(${q} = 'ja', 'then', 'else')", _if, lazy=True),
    "int": _Function(1, 1, "int(${q})", _eager(_int)),
    "jr:choice-name": _Function(2, 2, "jr:choice-name(${q}, '${q}')", _choice_name),
    "not": _Function(1, 1, "not(${q} = 'ja')", _eager(lambda a: not to_boolean(a))),
    "number": _Function(1, 1, "number(${q})", _eager(to_number)),
    "regex": _Function(2, 2, "regex(., '^[0-9]{4}$')", _regex),
    "round": _Function(1, 2, "round(${q}, 1)", _eager(_round)),
    "selected": _Function(2, 2, "selected(${q}, 'choice')", _eager(_selected)),
    "string": _Function(1, 1, "string(${q})", _eager(to_string)),
    "string-length": _Function(1, 1, "string-length(${q})", _eager(_string_length)),
    "today": _Function(0, 0, "today()", _today),
    "true": _Function(0, 0, "true()", _eager(lambda: True)),
}
_SUPPORTED = ", ".join(f"{name}()" for name in sorted(FUNCTIONS))


# -- regular expressions --------------------------------------------------------------------

_COUNTED_REPEAT = re.compile(r"\{([0-9]*)(?:,([0-9]*))?\}")
_TOO_BIG = MAX_PATTERN_SIZE + 1


def _expanded_size(pattern: str) -> int:
    """Return how many elements ``pattern`` holds once its counted repeats are expanded.

    The regex package compiles ``a{n}`` in time proportional to n, and nested repeats
    multiply: ``((a{999}){999}){999}`` would never finish compiling. Capped at ``_TOO_BIG``.
    """
    groups, last, index = [0], 0, 0
    while index < len(pattern):
        char = pattern[index]
        repeat = _COUNTED_REPEAT.match(pattern, index) if char == "{" else None
        if char == "(":
            groups.append(0)
            index += 1
            continue
        if char == ")" and len(groups) > 1:
            last = groups.pop()
            groups[-1] = min(groups[-1] + last, _TOO_BIG)
        elif repeat is not None:
            digits = [part for part in repeat.groups() if part]
            count = max((_TOO_BIG if len(d) > 6 else int(d) for d in digits), default=1)
            groups[-1] = min(groups[-1] + last * max(count - 1, 0), _TOO_BIG)
            last = min(last * count, _TOO_BIG)
            index = repeat.end()
            continue
        else:
            if char == "\\":
                index += 1
            elif char == "[":
                index = _end_of_class(pattern, index)
            last = 1
            groups[-1] = min(groups[-1] + 1, _TOO_BIG)
        index += 1
    return min(sum(groups), _TOO_BIG)


def _end_of_class(pattern: str, start: int) -> int:
    """Return the index of the ``]`` that closes the character class opened at ``start``."""
    index = start + 1
    if pattern.startswith("^", index):
        index += 1
    if pattern.startswith("]", index):
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index


@functools.lru_cache(maxsize=256)
def _compile_pattern(pattern: str) -> regex.Pattern[str]:
    """Compile a regex() pattern as Java reads it; raise ValueError saying what is wrong."""
    if len(pattern) > MAX_LENGTH:
        raise ValueError(
            f"the pattern is {len(pattern):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    if _expanded_size(pattern) > MAX_PATTERN_SIZE:
        raise ValueError(
            f"the counted repeats {{n,m}} of the pattern expand to more than "
            f"{MAX_PATTERN_SIZE:,} elements; use + or * instead"
        )
    try:
        return regex.compile(pattern, regex.ASCII | regex.V0)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        raise ValueError(f"the pattern is not a valid regular expression ({error})") from None


# -- lexer ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # ref, string, number, name, op, dot or end
    text: str
    position: int  # 1-based


_TOKEN = re.compile(
    rf"""\s*(?:
        (?P<ref>\$\{{{_NAME}\}})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
      | (?P<bad>==|&&|\|\||\.\.|::|!(?!=)|\$(?!\{{)|[/@\[\]|])
      | (?P<name>{_NAME}(?::{_NAME})?)
      | (?P<op><=|>=|!=|[=<>+\-*(),])
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)
_UNSUPPORTED = {
    "==": "'==' at position {p}; XLSForm compares with a single '=', as in ${{q}} = 1",
    "&&": "'&&' at position {p}; write 'and'",
    "||": "'||' at position {p}; write 'or'",
    "!": "'!' at position {p}; write not(...), or '!=' for 'is not'",
    "$": "'$' at position {p}; write a reference as ${{name}}",
    "..": "parent step '..' at position {p} is not supported; refer to questions as ${{name}}",
    "::": "XPath axis '::' at position {p} is not supported; refer to questions as ${{name}}",
    "/": "XPath path '/' at position {p} is not supported; refer to questions as ${{name}} "
    "(divide with 'div')",
    "@": "attribute '@' at position {p} is not supported; refer to questions as ${{name}}",
    "[": "predicate '[' at position {p} is not supported; combine conditions with 'and'",
    "]": "predicate ']' at position {p} is not supported; combine conditions with 'and'",
    "|": "union '|' at position {p} is not supported; combine conditions with 'or'",
}


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens ending with an ``end`` token; raise ExpressionSyntaxError."""
    tokens: list[_Token] = []
    index = 0
    while True:
        match = _TOKEN.match(text, index)
        if match is None:
            start = len(text) - len(text[index:].lstrip())
            if start == len(text):
                tokens.append(_Token("end", "", len(text) + 1))
                return tokens
            raise ExpressionSyntaxError(_lexical_problem(text, start), text, start + 1)
        kind = match.lastgroup or ""
        if kind == "bad":
            position = match.start(kind) + 1
            message = _UNSUPPORTED[match.group(kind)].format(p=position)
            raise ExpressionSyntaxError(message, text, position)
        tokens.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        index = match.end()


def _lexical_problem(text: str, start: int) -> str:
    position = start + 1
    char = text[start]
    if text.startswith("${", start):
        end = text.find("}", start)
        if end < 0:
            return f"unclosed reference '${{' at position {position}; close it with '}}'"
        return (
            f"invalid question name {_shorten(text[start : end + 1])} at position {position}; "
            "a name starts with a letter or '_' and holds only letters, digits, '_', '-' and '.'"
        )
    if char in "'\"":
        return f"unclosed text at position {position}; end it with {char}"
    return f"unexpected character {char!r} at position {position}; remove it"


def _shorten(text: str, limit: int = 30) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# -- parser ---------------------------------------------------------------------------------


def _combine(operator: str, left: Node, right: Node) -> Node:
    """Return ``left operator right``, extending ``left`` when it is the same left fold."""
    if operator in ("or", "and"):
        kind = Or if operator == "or" else And
        head = left.operands if isinstance(left, kind) else (left,)
        return kind((*head, right))
    if isinstance(left, Chain) and _PRECEDENCE[left.rest[0][0]] == _PRECEDENCE[operator]:
        return Chain(left.first, (*left.rest, (operator, right)))
    return Chain(left, ((operator, right),))


class _Parser:
    """Precedence climbing over the tokens; operator chains stay flat to bound recursion."""

    def __init__(self, text: str, choice_filter: bool) -> None:
        self.text = text
        self.choice_filter = choice_filter
        self.tokens = _tokenize(text)
        self.index = 0
        self.depth = 0
        self.references: set[str] = set()
        self.choice_columns: set[str] = set()
        self.uses_current = False

    def error(self, message: str, position: int | None) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.text, position)

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at(self, text: str) -> bool:
        token = self.tokens[self.index]
        return token.kind == "op" and token.text == text

    def unexpected(self, token: _Token, fix: str) -> ExpressionSyntaxError:
        if token.text == ")":
            fix = "check the parentheses"
        elif token.text == ",":
            fix = "commas only separate the arguments of a function"
        return self.error(
            f"unexpected {_shorten(token.text)} at position {token.position}; {fix}",
            token.position,
        )

    def parse(self) -> Node:
        node = self.expression()
        token = self.peek()
        if token.kind != "end":
            raise self.unexpected(token, "join conditions with 'and' or 'or'")
        return node

    def operator(self) -> str | None:
        token = self.peek()
        is_symbol = token.kind == "op" and token.text in _PRECEDENCE
        if is_symbol or (token.kind == "name" and token.text in _WORD_OPERATORS):
            return token.text
        return None

    def expression(self) -> Node:
        operands = [self.unary()]
        operators: list[str] = []
        while (operator := self.operator()) is not None:
            self.advance()
            while operators and _PRECEDENCE[operators[-1]] >= _PRECEDENCE[operator]:
                right, left = operands.pop(), operands.pop()
                operands.append(_combine(operators.pop(), left, right))
            operators.append(operator)
            operands.append(self.unary())
        while operators:
            right, left = operands.pop(), operands.pop()
            operands.append(_combine(operators.pop(), left, right))
        return operands[0]

    def unary(self) -> Node:
        negations = 0
        while self.at("-"):
            self.advance()
            negations += 1
        node = self.primary()
        return Negate(node, odd=negations % 2 == 1) if negations else node

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "ref":
            self.references.add(token.text[2:-1])
            return Reference(token.text[2:-1], token.position)
        if token.kind == "string":
            return Literal(token.text[1:-1])
        if token.kind == "number":
            return Literal(float(token.text))
        if token.kind == "dot":
            self.uses_current = True
            return Current(token.position)
        if token.kind == "name":
            return self.name(token)
        if token.text == "(":
            self.enter(token)
            node = self.expression()
            self.close(token, f"expected ')' to close the '(' at position {token.position}")
            return node
        if token.kind == "end":
            previous = self.tokens[self.index - 1].text
            raise self.error(
                f"the expression ends too early at position {token.position}; "
                f"something is missing after {_shorten(previous)}",
                token.position,
            )
        raise self.unexpected(token, "a value is missing before it")

    def enter(self, opening: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"parentheses and function calls nest more than {MAX_DEPTH} deep at position "
                f"{opening.position}; split the expression over calculate questions",
                opening.position,
            )

    def close(self, opening: _Token, expected: str) -> None:
        token = self.advance()
        self.depth -= 1
        if token.kind == "op" and token.text == ")":
            return
        if token.kind == "end":
            raise self.error(
                f"missing ')' at position {token.position} for the '(' at position "
                f"{opening.position}; add it",
                token.position,
            )
        raise self.unexpected(token, expected)

    def name(self, token: _Token) -> Node:
        name, position = token.text, token.position
        if self.at("("):
            return self.call(token)
        if name in _WORD_OPERATORS:
            raise self.error(f"'{name}' at position {position} needs a value before it", position)
        if name in FUNCTIONS:
            raise self.error(
                f"bare name '{name}' at position {position}; call the function as {name}()",
                position,
            )
        if not self.choice_filter or ":" in name:
            raise self.error(
                f"bare name '{name}' at position {position}; refer to a question as ${{{name}}}",
                position,
            )
        self.choice_columns.add(name)
        return ChoiceColumn(name, position)

    def call(self, token: _Token) -> Node:
        name, position = token.text, token.position
        function = FUNCTIONS.get(name)
        if function is None:
            raise self.error(
                f"unknown function '{name}()' at position {position}; supported: {_SUPPORTED}",
                position,
            )
        opening = self.advance()
        self.enter(opening)
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.expression())
            while self.at(","):
                self.advance()
                args.append(self.expression())
        self.close(opening, f"expected ',' or ')' in {name}() at position {position}")
        maximum = len(args) if function.maximum is None else function.maximum
        if not function.minimum <= len(args) <= maximum:
            raise self.error(
                f"{name}() at position {position} takes {function.arity()}, got {len(args)}; "
                f"write {function.usage}",
                position,
            )
        return Call(name, self.checked_arguments(name, position, args), position)

    def checked_arguments(self, name: str, position: int, args: list[Node]) -> tuple[Node, ...]:
        """Check what can be checked before evaluation: regex() patterns, choice-name()."""
        if name == "regex" and isinstance(args[1], Literal) and isinstance(args[1].value, str):
            try:
                _compile_pattern(args[1].value)
            except ValueError as problem:
                raise self.error(f"regex() at position {position}: {problem}", position) from None
        if name == "jr:choice-name":
            literal = args[1].value if isinstance(args[1], Literal) else None
            match = _TEXT_REFERENCE.fullmatch(literal.strip()) if isinstance(literal, str) else None
            if match is None:
                raise self.error(
                    f"jr:choice-name() at position {position} needs the question as a quoted "
                    "reference; write jr:choice-name(${q}, '${q}')",
                    position,
                )
            self.references.add(match.group(1))
            args[1] = Literal(match.group(1))
        return tuple(args)


# -- public API -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed expression: evaluate it as often as needed, from any thread.

    ``references`` holds the names in ``${...}``, ``choice_columns`` the bare names a
    choice_filter reads from the choices sheet, ``uses_current`` whether ``.`` occurs.
    """

    text: str
    root: Node = field(repr=False)
    references: frozenset[str] = frozenset()
    choice_columns: frozenset[str] = frozenset()
    uses_current: bool = False

    def evaluate(self, env: Environment) -> Value:
        """Return the value of the expression; raise EvaluationError and nothing else."""
        try:
            return self.root.evaluate(_Scope(env, self.text))
        except RecursionError:
            raise EvaluationError(
                "the expression nests too deeply to evaluate; split it over calculate questions",
                self.text,
            ) from None

    def evaluate_bool(self, env: Environment) -> bool:
        """Return XPath ``boolean()`` of the value: how relevant and constraint read it."""
        return to_boolean(self.evaluate(env))


@functools.lru_cache(maxsize=4096)
def parse(text: str, *, choice_filter: bool = False) -> Expression:
    """Parse ``text``; raise ExpressionSyntaxError naming the position, the problem and the fix.

    With ``choice_filter=True`` bare names read columns of the choice being filtered.
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            f"the expression is {len(text):,} characters long; the limit is {MAX_LENGTH:,} — "
            "split it over calculate questions",
            text,
        )
    if not text.strip():
        raise ExpressionSyntaxError("the expression is empty; write one such as ${q1} = 'ja'", text)
    parser = _Parser(text, choice_filter)
    try:
        root = parser.parse()
    except RecursionError:
        raise ExpressionSyntaxError(
            "the expression nests too deeply; split it over calculate questions", text
        ) from None
    return Expression(
        text,
        root,
        frozenset(parser.references),
        frozenset(parser.choice_columns),
        parser.uses_current,
    )


def references_in_text(text: str) -> frozenset[str]:
    """Return the question names a label or hint pipes in with ``${name}``."""
    return frozenset(_TEXT_REFERENCE.findall(text))


def references_masked(text: str) -> str:
    """Return ``text`` with every ``${name}`` as ``<…>``: a label read without answers (a
    researcher's overview), where the piped-in answer is not known."""
    return _TEXT_REFERENCE.sub("<…>", text)


def pipe(text: str, env: Environment, *, choice_label: ChoiceLabel | None = None) -> str:
    """Return ``text`` with every ``${name}`` replaced by its answer ('' when unanswered).

    Choice names become labels through ``choice_label`` (default ``env.choice_label``); a
    name it does not know (None) stays as it is, and several choices join with ', '. Numbers
    and dates are written as ``string()`` writes them. Raise EvaluationError for an answer of
    an unsupported type.
    """
    labels = choice_label if choice_label is not None else env.choice_label

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        answer: Any = env.values.get(name)
        names: Sequence[object] = [answer] if isinstance(answer, str) else answer or ()
        is_choice = isinstance(answer, str | tuple | list)
        if labels is not None and is_choice and all(isinstance(c, str) for c in names):
            return ", ".join(_label(labels, name, str(choice)) for choice in names)
        try:
            return to_string(_from_answer(answer, f"the answer to ${{{name}}}"))
        except ValueError as problem:
            position = match.start() + 1
            raise EvaluationError(
                f"{problem} (piped at position {position})", text, position
            ) from None

    return _TEXT_REFERENCE.sub(replace, text)


def _label(labels: ChoiceLabel, question: str, choice: str) -> str:
    label = labels(question, choice) if choice else None
    return choice if label is None else label
