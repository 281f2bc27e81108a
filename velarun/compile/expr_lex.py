"""expr-lang/expr v1.17.8's lexer, for ``eval`` rules: tokens with rune offsets, strings
scanned and unescaped as expr does, and its errors (:class:`ExprError`) positioned as its
``file.Error`` is."""

from __future__ import annotations

from dataclasses import dataclass

WORD_OPERATORS = frozenset(
    {"not", "in", "or", "and", "matches", "contains", "startsWith", "endsWith", "let", "if", "else"}
)

_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


class ExprError(Exception):
    """An expr error: ``message`` at rune offset ``offset`` of ``source`` (None: no position)."""

    def __init__(
        self, message: str, offset: int | None = None, source: str = "", prefix: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.source = source
        self.prefix = prefix
        """The server's wrapping (``failed to compile eval of ...``), when known."""

    def line_col(self) -> tuple[int, int]:
        """expr's ``file.Error.Bind``: 1-based line, 1-based column (in runes)."""
        before = self.source[: self.offset or 0]
        line = before.count("\n") + 1
        return line, len(before) - (before.rfind("\n") + 1) + 1

    def __str__(self) -> str:
        """The server's text: ``prefix: message (line:col)`` and the snippet with a caret."""
        head = f"{self.prefix}: {self.message}" if self.prefix else self.message
        if self.offset is None:
            return head
        line, col = self.line_col()
        text = self.source.split("\n")[line - 1]
        if not text:
            return head
        snippet = f"\n | {text.replace(chr(9), ' ')}\n | {'.' * (col - 1)}^"
        return f"{head} ({line}:{col}){snippet}"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    """``Identifier``, ``Number``, ``String``, ``Operator``, ``Bracket`` or ``EOF``."""
    value: str
    offset: int

    def __str__(self) -> str:
        if not self.value:
            return self.kind
        return f"{self.kind}({_go_quote(self.value)})"

    def is_(self, kind: str, *values: str) -> bool:
        return self.kind == kind and (not values or self.value in values)


def _go_quote(text: str) -> str:
    """Go's ``%#v`` of a string (strconv.Quote), for the printable ASCII expr tokens hold."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


# -- lexer ------------------------------------------------------------------------------------


def _is_ident_char(ch: str) -> bool:
    return ch == "_" or ch == "$" or ch.isalpha() or ch.isdigit()


_HEX = "0123456789abcdefABCDEF"


class _BadEscape(Exception):
    pass


def _unescape_one(body: str, i: int) -> tuple[str, int]:
    """expr's ``unescapeChar`` for the escape at ``body[i]`` (a backslash): (char, next i)."""
    esc = body[i + 1]
    if esc in _ESCAPES or esc in "'\"`?":
        return _ESCAPES.get(esc, esc), i + 2
    if esc == "u" and body[i + 2 : i + 3] == "{":
        close = body.find("}", i + 3)
        digits = body[i + 3 : close]
        if close < 0 or not 1 <= len(digits) <= 6 or not all(d in _HEX for d in digits):
            raise _BadEscape
        code, after = int(digits, 16), close + 1
    elif esc in "xXuU":
        width = {"x": 2, "X": 2, "u": 4, "U": 8}[esc]
        digits = body[i + 2 : i + 2 + width]
        if len(digits) < width or not all(d in _HEX for d in digits):
            raise _BadEscape
        code, after = int(digits, 16), i + 2 + width
    elif esc in "0123":
        digits = body[i + 1 : i + 4]
        if len(digits) < 3 or not all(d in "01234567" for d in digits):
            raise _BadEscape
        code, after = int(digits, 8), i + 4
    else:
        raise _BadEscape
    if code > 0x10FFFF:
        raise _BadEscape
    return chr(code), after


def _unescape(body: str) -> str:
    """expr's ``unescape`` of a quoted string's body."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] != "\\":
            out.append(body[i])
            i += 1
            continue
        char, i = _unescape_one(body, i)
        out.append(char)
    return "".join(out)


def _scan_escape(source: str, j: int, quote: str) -> int:
    """expr's lexer ``scanEscape`` from the backslash at ``j``: the index after the escape.
    A bad escape is positioned at the character that broke it (or the end)."""
    n = len(source)
    k = j + 1
    if k >= n:
        raise ExprError("invalid char escape", n, source)
    esc = source[k]
    if esc in "abfnrtv\\" or esc == quote:
        return k + 1
    if esc in "01234567":
        digits, base, start = 3, "01234567", k
    elif esc == "u" and source[k + 1 : k + 2] == "{":
        end = k + 2
        while end < n and source[end] in _HEX and end - (k + 2) < 6:
            end += 1
        if end >= n or source[end] != "}" or end == k + 2:
            raise ExprError("invalid char escape", min(end + 1, n), source)
        return end + 1
    elif esc in "xuU":
        digits, base, start = {"x": 2, "u": 4, "U": 8}[esc], _HEX, k + 1
    else:
        raise ExprError("invalid char escape", k, source)
    for m in range(start, start + digits):
        if m >= n or source[m] not in base:
            raise ExprError("invalid char escape", min(m, n), source)
    return start + digits


def _scan_raw(source: str, i: int) -> tuple[Token, int]:
    """A backquoted string: no escapes; a doubled backquote is one backquote."""
    j = i + 1
    out: list[str] = []
    while True:
        if j >= len(source):
            raise ExprError("literal not terminated", len(source), source)
        if source.startswith("``", j):
            out.append("`")
            j += 2
        elif source[j] == "`":
            return Token("String", "".join(out), i), j + 1
        else:
            out.append(source[j])
            j += 1


def _run(source: str, j: int, digits: str) -> int:
    while j < len(source) and source[j] in digits:
        j += 1
    return j


def _scan_number(source: str, i: int) -> int:
    """expr's ``scanNumber``: the end of the number at ``i``; a letter or digit right after it
    is ``bad number syntax``."""
    digits = "0123456789_"
    j = i
    if source.startswith("0", j):
        j += 1
        prefix = source[j : j + 1].lower()
        if prefix in ("x", "o", "b"):
            digits = {"x": "0123456789abcdefABCDEF_", "o": "01234567_", "b": "01_"}[prefix]
            j += 1
    j = _run(source, j, digits)
    if source.startswith(".", j) and not source.startswith("..", j):
        j = _run(source, j + 1, digits)
    if j < len(source) and source[j] in "eE":
        j += 1
        if j < len(source) and source[j] in "+-":
            j += 1
        j = _run(source, j, digits)
    if j < len(source) and _is_ident_char(source[j]):
        raise ExprError(f"bad number syntax: {_go_quote(source[i : j + 1])}", j, source)
    return j


def _scan_string(source: str, i: int) -> tuple[Token, int]:
    """A quoted string as expr's lexer scans it (no raw newline), then unescapes it."""
    quote = source[i]
    if quote == "`":
        return _scan_raw(source, i)
    j = i + 1
    while j >= len(source) or source[j] != quote:
        if j >= len(source) or source[j] == "\n":
            raise ExprError("literal not terminated", min(j, len(source)), source)
        j = _scan_escape(source, j, quote) if source[j] == "\\" else j + 1
    try:
        value = _unescape(source[i + 1 : j])
    except _BadEscape:
        raise ExprError("unable to unescape string", j, source) from None
    return Token("String", value, i), j + 1


_TWO_RUNE = ("!=", "==", "<=", ">=", "&&", "**", "||", "??", "?.", "..", "::")


def _scan_operator(source: str, i: int) -> tuple[Token, int]:
    if source.startswith("...", i):
        return Token("Operator", "...", i), i + 3
    two = source[i : i + 2]
    if two in _TWO_RUNE:
        return Token("Operator", two, i), i + 2
    return Token("Operator", source[i], i), i + 1


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch in "'\"`":
            token, i = _scan_string(source, i)
            tokens.append(token)
        elif ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit()):
            j = _scan_number(source, i)
            tokens.append(Token("Number", source[i:j], i))
            i = j
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            if end < 0:
                raise ExprError("unclosed comment", i, source)
            i = end + 2
        elif ch in "([{)]}":
            tokens.append(Token("Bracket", ch, i))
            i += 1
        elif _is_ident_char(ch):
            j = i
            while j < n and _is_ident_char(source[j]):
                j += 1
            word = source[i:j]
            kind = "Operator" if word in WORD_OPERATORS else "Identifier"
            tokens.append(Token(kind, word, i))
            i = j
        elif ch in "?/#|:,;%+-^&!=*<>.":
            token, i = _scan_operator(source, i)
            tokens.append(token)
        else:
            raise ExprError(f"unrecognized character: {_go_rune(ch)}", i, source)
    tokens.append(Token("EOF", "", max(n - 1, 0)))  # expr puts EOF on the last rune
    return tokens


def _go_rune(ch: str) -> str:
    """Go's ``%#U``."""
    return f"U+{ord(ch):04X} '{ch}'" if ch.isprintable() else f"U+{ord(ch):04X}"
