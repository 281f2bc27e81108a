"""The lexer of Go's ``text/template/parse`` (lex.go), ported state for state.

The input is scanned into :class:`Item` tokens. Positions are offsets into the Python string;
:func:`byte_column` turns one into Go's byte-based column for error messages.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from velarun.template.gotemplate.quote import go_quote


class State(Protocol):
    """A state of the lexer: it scans, then returns the next state or None (an item is ready)."""

    def __call__(self) -> State | None: ...


class T(enum.IntEnum):
    """Item types, in Go's order: everything after ``KEYWORD`` is a keyword."""

    ERROR = 0
    BOOL = enum.auto()
    CHAR = enum.auto()
    CHAR_CONSTANT = enum.auto()
    COMMENT = enum.auto()
    COMPLEX = enum.auto()
    ASSIGN = enum.auto()
    DECLARE = enum.auto()
    EOF = enum.auto()
    FIELD = enum.auto()
    IDENTIFIER = enum.auto()
    LEFT_DELIM = enum.auto()
    LEFT_PAREN = enum.auto()
    NUMBER = enum.auto()
    PIPE = enum.auto()
    RAW_STRING = enum.auto()
    RIGHT_DELIM = enum.auto()
    RIGHT_PAREN = enum.auto()
    SPACE = enum.auto()
    STRING = enum.auto()
    TEXT = enum.auto()
    VARIABLE = enum.auto()
    KEYWORD = enum.auto()
    BLOCK = enum.auto()
    BREAK = enum.auto()
    CONTINUE = enum.auto()
    DOT = enum.auto()
    DEFINE = enum.auto()
    ELSE = enum.auto()
    END = enum.auto()
    IF = enum.auto()
    NIL = enum.auto()
    RANGE = enum.auto()
    TEMPLATE = enum.auto()
    WITH = enum.auto()


KEYWORDS = {
    ".": T.DOT,
    "block": T.BLOCK,
    "break": T.BREAK,
    "continue": T.CONTINUE,
    "define": T.DEFINE,
    "else": T.ELSE,
    "end": T.END,
    "if": T.IF,
    "range": T.RANGE,
    "nil": T.NIL,
    "template": T.TEMPLATE,
    "with": T.WITH,
}
LEFT_DELIM, RIGHT_DELIM = "{{", "}}"
LEFT_COMMENT, RIGHT_COMMENT = "/*", "*/"
SPACE_CHARS = " \t\r\n"
EOF = ""


@dataclass(frozen=True)
class Item:
    """One token: its type, start offset, text and the line it starts on."""

    typ: T
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        if self.typ == T.EOF:
            return "EOF"
        if self.typ == T.ERROR:
            return self.val
        if self.typ > T.KEYWORD:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return go_quote(self.val[:10]) + "..."
        return go_quote(self.val)


def byte_column(text: str, pos: int) -> tuple[int, int]:
    """Go's line and column (in bytes, as ``ErrorContext`` counts) of offset ``pos``."""
    before = text[:pos]
    newline = before.rfind("\n")
    col = len(before.encode()) if newline < 0 else len(before[newline + 1 :].encode())
    return 1 + before.count("\n"), col


def is_space(r: str) -> bool:
    return r in (" ", "\t", "\r", "\n") and r != ""


def is_alnum(r: str) -> bool:
    return r != "" and (r == "_" or r.isalpha() or unicodedata.category(r) == "Nd")


def _left_trim_marker(s: str) -> bool:
    return len(s) >= 2 and s[0] == "-" and is_space(s[1])


def _right_trim_marker(s: str) -> bool:
    return len(s) >= 2 and is_space(s[0]) and s[1] == "-"


class Lexer:
    """Go's lexer; :meth:`next_item` returns the next token (an ERROR item ends the input)."""

    def __init__(self, text: str, *, break_ok: bool = True, continue_ok: bool = True) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.line = 1
        self.start_line = 1
        self.paren_depth = 0
        self.inside_action = False
        self.break_ok = break_ok
        self.continue_ok = continue_ok
        self.item = Item(T.EOF, 0, "EOF", 1)

    # -- scanning primitives -------------------------------------------------------------------
    def next(self) -> str:
        if self.pos >= len(self.input):
            self.pos = len(self.input) + 1  # Go's atEOF: backup() is then a no-op
            return EOF
        r = self.input[self.pos]
        self.pos += 1
        if r == "\n":
            self.line += 1
        return r

    def backup(self) -> None:
        if self.pos > len(self.input):
            self.pos = len(self.input)
            return
        if self.pos > 0:
            self.pos -= 1
            if self.input[self.pos] == "\n":
                self.line -= 1

    def peek(self) -> str:
        return self.input[self.pos] if self.pos < len(self.input) else EOF

    def this_item(self, typ: T) -> Item:
        end = min(self.pos, len(self.input))
        item = Item(typ, self.start, self.input[self.start : end], self.start_line)
        self.start = end
        self.start_line = self.line
        return item

    def emit(self, typ: T) -> None:
        self.item = self.this_item(typ)

    def ignore(self) -> None:
        self.line += self.input.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def accept(self, valid: str) -> bool:
        r = self.next()
        if r != EOF and r in valid:
            return True
        self.backup()
        return False

    def accept_run(self, valid: str) -> None:
        while True:
            r = self.next()
            if r == EOF or r not in valid:
                break
        self.backup()

    def errorf(self, message: str) -> None:
        self.item = Item(T.ERROR, self.start, message, self.start_line)
        self.input = ""
        self.start = self.pos = 0

    def at_right_delim(self) -> tuple[bool, bool]:
        rest = self.input[self.pos :]
        if _right_trim_marker(rest) and rest[2:].startswith(RIGHT_DELIM):
            return True, True
        return rest.startswith(RIGHT_DELIM), False

    def at_terminator(self) -> bool:
        r = self.peek()
        if is_space(r) or r in (EOF, ".", ",", "|", ":", ")", "("):
            return True
        return self.input.startswith(RIGHT_DELIM, self.pos)

    # -- states: each returns the next state, or None once self.item is set ------------------
    def next_item(self) -> Item:
        self.item = Item(T.EOF, self.pos, "EOF", self.start_line)
        state: State | None = self.lex_inside_action if self.inside_action else self.lex_text
        while state is not None:
            state = state()
        return self.item

    def lex_text(self) -> State | None:
        x = self.input.find(LEFT_DELIM, self.pos)
        if x >= 0:
            if x > self.pos:
                self.pos = x
                trim = 0
                if _left_trim_marker(self.input[x + len(LEFT_DELIM) :]):
                    chunk = self.input[self.start : self.pos]
                    trim = len(chunk) - len(chunk.rstrip(SPACE_CHARS))
                self.pos -= trim
                self.line += self.input.count("\n", self.start, self.pos)
                item = self.this_item(T.TEXT)
                self.pos += trim
                self.ignore()
                if item.val:
                    self.item = item
                    return None
            return self.lex_left_delim
        self.pos = len(self.input)
        if self.pos > self.start:
            self.line += self.input.count("\n", self.start, self.pos)
            self.emit(T.TEXT)
            return None
        self.emit(T.EOF)
        return None

    def lex_left_delim(self) -> State | None:
        self.pos += len(LEFT_DELIM)
        trim = _left_trim_marker(self.input[self.pos :])
        after = 2 if trim else 0
        if self.input.startswith(LEFT_COMMENT, self.pos + after):
            self.pos += after
            self.ignore()
            return self.lex_comment
        item = self.this_item(T.LEFT_DELIM)
        self.inside_action = True
        self.pos += after
        self.ignore()
        self.paren_depth = 0
        self.item = item
        return None

    def lex_comment(self) -> State | None:
        self.pos += len(LEFT_COMMENT)
        x = self.input.find(RIGHT_COMMENT, self.pos)
        if x < 0:
            self.errorf("unclosed comment")
            return None
        self.pos = x + len(RIGHT_COMMENT)
        delim, trim = self.at_right_delim()
        if not delim:
            self.errorf("comment ends before closing delimiter")
            return None
        self.line += self.input.count("\n", self.start, self.pos)
        self.this_item(T.COMMENT)
        if trim:
            self.pos += 2
        self.pos += len(RIGHT_DELIM)
        if trim:
            rest = self.input[self.pos :]
            self.pos += len(rest) - len(rest.lstrip(SPACE_CHARS))
        self.ignore()
        return self.lex_text

    def lex_right_delim(self) -> State | None:
        _, trim = self.at_right_delim()
        if trim:
            self.pos += 2
            self.ignore()
        self.pos += len(RIGHT_DELIM)
        item = self.this_item(T.RIGHT_DELIM)
        if trim:
            rest = self.input[self.pos :]
            self.pos += len(rest) - len(rest.lstrip(SPACE_CHARS))
            self.ignore()
        self.inside_action = False
        self.item = item
        return None

    def lex_inside_action(self) -> State | None:
        if self.at_right_delim()[0]:
            if self.paren_depth == 0:
                return self.lex_right_delim
            self.errorf("unclosed left paren")
            return None
        r = self.next()
        simple = {"=": T.ASSIGN, "|": T.PIPE}
        states = {'"': self.lex_quote, "`": self.lex_raw_quote, "$": self.lex_variable}
        if r == EOF:
            self.errorf("unclosed action")
        elif is_space(r):
            self.backup()
            return self.lex_space
        elif r in simple:
            self.emit(simple[r])
        elif r in states:
            return states[r]
        elif r == ":":
            if self.next() != "=":
                self.errorf("expected :=")
            else:
                self.emit(T.DECLARE)
        elif r == "'":
            return self.lex_char
        elif r == "." and self.peek() != EOF and not "0" <= self.peek() <= "9":
            return self.lex_field
        elif r in "+-.0123456789":
            self.backup()
            return self.lex_number
        elif is_alnum(r):
            self.backup()
            return self.lex_identifier
        else:
            self.lex_punctuation(r)
        return None

    def lex_punctuation(self, r: str) -> None:
        if r == "(":
            self.paren_depth += 1
            self.emit(T.LEFT_PAREN)
        elif r == ")":
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self.errorf("unexpected right paren")
            else:
                self.emit(T.RIGHT_PAREN)
        elif r.isascii() and r.isprintable():
            self.emit(T.CHAR)
        else:
            self.errorf(f"unrecognized character in action: {unicode_repr(r)}")

    def lex_space(self) -> State | None:
        spaces = 0
        while is_space(self.peek()):
            self.next()
            spaces += 1
        rest = self.input[self.pos - 1 :]
        if _right_trim_marker(rest) and rest[2:].startswith(RIGHT_DELIM):
            self.backup()
            if spaces == 1:
                return self.lex_right_delim
        self.emit(T.SPACE)
        return None

    def lex_identifier(self) -> State | None:
        while is_alnum(self.next()):
            pass
        self.backup()
        word = self.input[self.start : self.pos]
        if not self.at_terminator():
            self.errorf(f"bad character {unicode_repr(self.peek())}")
            return None
        typ = KEYWORDS.get(word)
        if typ is not None and typ > T.KEYWORD:
            if (typ == T.BREAK and not self.break_ok) or (
                typ == T.CONTINUE and not self.continue_ok
            ):
                typ = T.IDENTIFIER
            self.emit(typ)
        elif word[0] == ".":
            self.emit(T.FIELD)
        elif word in ("true", "false"):
            self.emit(T.BOOL)
        else:
            self.emit(T.IDENTIFIER)
        return None

    def lex_field(self) -> State | None:
        return self.lex_field_or_variable(T.FIELD)

    def lex_variable(self) -> State | None:
        if self.at_terminator():
            self.emit(T.VARIABLE)
            return None
        return self.lex_field_or_variable(T.VARIABLE)

    def lex_field_or_variable(self, typ: T) -> State | None:
        if self.at_terminator():
            self.emit(T.VARIABLE if typ == T.VARIABLE else T.DOT)
            return None
        while is_alnum(self.next()):
            pass
        self.backup()
        if not self.at_terminator():
            self.errorf(f"bad character {unicode_repr(self.peek())}")
            return None
        self.emit(typ)
        return None

    def lex_char(self) -> State | None:
        return self.lex_quoted("'", T.CHAR_CONSTANT, "unterminated character constant")

    def lex_quote(self) -> State | None:
        return self.lex_quoted('"', T.STRING, "unterminated quoted string")

    def lex_quoted(self, quote: str, typ: T, message: str) -> State | None:
        while True:
            r = self.next()
            if r == "\\":
                r = self.next()
                if r not in (EOF, "\n"):
                    continue
            if r in (EOF, "\n"):
                self.errorf(message)
                return None
            if r == quote:
                break
        self.emit(typ)
        return None

    def lex_raw_quote(self) -> State | None:
        while True:
            r = self.next()
            if r == EOF:
                self.errorf("unterminated raw quoted string")
                return None
            if r == "`":
                break
        self.emit(T.RAW_STRING)
        return None

    def lex_number(self) -> State | None:
        if not self.scan_number():
            self.errorf(f"bad number syntax: {go_quote(self.input[self.start : self.pos])}")
            return None
        if self.peek() in ("+", "-") and self.peek() != EOF:
            if not self.scan_number() or self.input[self.pos - 1] != "i":
                self.errorf(f"bad number syntax: {go_quote(self.input[self.start : self.pos])}")
                return None
            self.emit(T.COMPLEX)
            return None
        self.emit(T.NUMBER)
        return None

    def scan_number(self) -> bool:
        self.accept("+-")
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if len(digits) == 11 and self.accept("eE"):
            self.accept("+-")
            self.accept_run("0123456789_")
        if len(digits) == 23 and self.accept("pP"):
            self.accept("+-")
            self.accept_run("0123456789_")
        self.accept("i")
        if is_alnum(self.peek()):
            self.next()
            return False
        return True


def unicode_repr(r: str) -> str:
    """Go's ``%#U`` of a rune: ``U+0041 'A'`` (the quoted form only when printable)."""
    if r == EOF:
        return "U+FFFFFFFFFFFFFFFF"
    code = f"U+{ord(r):04X}"
    return f"{code} '{r}'" if r.isprintable() else code
