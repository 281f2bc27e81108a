"""Go's ``fmt.Sprintf``: the format string's verbs, flags, widths, precisions and explicit
argument indexes (``%[2]d``, ``%[1]*d``), with Go's error forms ``%!d(MISSING)``,
``%!d(BADINDEX)``, ``%!(BADWIDTH)``, ``%!(BADPREC)``, ``%!(NOVERB)`` and ``%!(EXTRA ...)``.
Each verb's argument is printed by :func:`gofmt.fmt_value`.
"""

from __future__ import annotations

from typing import Any

from velarun.template.gotemplate.gofmt import Spec, fmt_value, go_syntax, pad
from velarun.template.gotemplate.values import is_int, type_name

_FLAGS = {"+": "plus", "-": "minus", "#": "sharp", " ": "space", "0": "zero"}


def _number(fmt: str, i: int, end: int) -> tuple[int | None, int]:
    """Go's ``parsenum``: the decimal number at ``fmt[i:end]`` (None if none) and where it ends."""
    start = i
    while i < end and fmt[i].isdigit():
        i += 1
    if i == start:
        return None, i
    value = int(fmt[start:i])
    return (value if value <= 1_000_000 else None), i


class _Printf:
    def __init__(self, fmt: str, args: tuple[Any, ...]) -> None:
        self.fmt, self.args = fmt, args
        self.arg_num = 0
        self.reordered = False
        self.good_arg_num = True
        self.out: list[str] = []

    def star(self) -> int | None:
        """Go's ``intFromArg``: a width or precision taken from the arguments."""
        if self.arg_num >= len(self.args):
            return None
        arg = self.args[self.arg_num]
        self.arg_num += 1
        if not is_int(arg) or abs(arg) > 1_000_000:
            return None
        return int(arg)

    def arg_number(self, i: int) -> tuple[int, bool]:
        """Go's ``argNumber``: an explicit ``[n]`` index at ``i``; (new i, found)."""
        fmt = self.fmt
        if i >= len(fmt) or fmt[i] != "[":
            return i, False
        self.reordered = True
        close = fmt.find("]", i + 1) if len(fmt) - i >= 3 else -1
        if close < 0:
            self.good_arg_num = False
            return i + 1, False
        index, end = _number(fmt, i + 1, close)
        if index is None or end != close:
            self.good_arg_num = False
            return close + 1, False
        if 1 <= index <= len(self.args):
            self.arg_num = index - 1
            return close + 1, True
        self.good_arg_num = False
        return close + 1, True

    def flags(self, i: int, spec: Spec) -> int:
        while i < len(self.fmt) and self.fmt[i] in _FLAGS:
            setattr(spec, _FLAGS[self.fmt[i]], True)
            i += 1
        if spec.minus:
            spec.zero = False
        return i

    def width(self, i: int, spec: Spec, after_index: bool) -> tuple[int, bool]:
        if i < len(self.fmt) and self.fmt[i] == "*":
            spec.width = self.star()
            if spec.width is None:
                self.out.append("%!(BADWIDTH)")
            elif spec.width < 0:
                spec.minus, spec.width, spec.zero = True, -spec.width, False
            return i + 1, False
        spec.width, i = _number(self.fmt, i, len(self.fmt))
        if after_index and spec.width is not None:
            self.good_arg_num = False
        return i, after_index

    def precision(self, i: int, spec: Spec, after_index: bool) -> tuple[int, bool]:
        if not (i + 1 < len(self.fmt) and self.fmt[i] == "."):
            return i, after_index
        if after_index:
            self.good_arg_num = False
        i, after_index = self.arg_number(i + 1)
        if i < len(self.fmt) and self.fmt[i] == "*":
            spec.prec = self.star()
            if spec.prec is None or spec.prec < 0:
                spec.prec = None
                self.out.append("%!(BADPREC)")
            return i + 1, False
        spec.prec, i = _number(self.fmt, i, len(self.fmt))
        spec.prec = spec.prec or 0
        return i, after_index

    def directive(self, i: int) -> int:
        """One ``%...`` directive starting after the ``%`` at ``i``; returns where it ends."""
        spec = Spec()
        self.good_arg_num = True
        i = self.flags(i, spec)
        i, after_index = self.arg_number(i)
        i, after_index = self.width(i, spec, after_index)
        i, after_index = self.precision(i, spec, after_index)
        if not after_index:
            i, after_index = self.arg_number(i)
        if i >= len(self.fmt):
            self.out.append("%!(NOVERB)")
            return i
        spec.verb = self.fmt[i]
        self.verb(spec)
        return i + 1

    def run(self) -> str:
        fmt, i = self.fmt, 0
        while i < len(fmt):
            j = fmt.find("%", i)
            if j < 0:
                self.out.append(fmt[i:])
                break
            self.out.append(fmt[i:j])
            i = self.directive(j + 1)
        if not self.reordered and self.arg_num < len(self.args):
            extra = ", ".join(
                "<nil>" if a is None else f"{type_name(a)}={fmt_value(a, Spec())}"
                for a in self.args[self.arg_num :]
            )
            self.out.append(f"%!(EXTRA {extra})")
        return "".join(self.out)

    def verb(self, spec: Spec) -> None:
        if spec.verb == "%":
            self.out.append("%")
            return
        if not self.good_arg_num:
            self.out.append(f"%!{spec.verb}(BADINDEX)")
            return
        if self.arg_num >= len(self.args):
            self.out.append(f"%!{spec.verb}(MISSING)")
            return
        arg = self.args[self.arg_num]
        self.arg_num += 1
        if spec.verb == "v":
            spec.plus = False  # %+v only adds field names to structs
        if arg is None and spec.verb == "v":
            self.out.append(pad("<nil>", spec))
        elif spec.verb == "v" and spec.sharp:
            self.out.append(pad(go_syntax(arg), spec))
        else:
            self.out.append(fmt_value(arg, spec))


def sprintf(fmt: str, *args: Any) -> str:
    """``fmt.Sprintf``."""
    return _Printf(fmt, args).run()
