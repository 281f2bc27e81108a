"""sprig's path functions: Go's ``path`` package (``base``, ``dir``, ``clean``, ``ext``,
``isAbs``) and, on Linux, ``filepath``'s (``osBase``...), which are the same."""

from __future__ import annotations

from velarun.template.gotemplate.funcs import GoFunc


def clean(p: str) -> str:
    """Go's ``path.Clean``."""
    if p == "":
        return "."
    rooted = p.startswith("/")
    parts: list[str] = []
    for part in p.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    out = "/".join(parts)
    if rooted:
        return "/" + out
    return out or "."


def base(p: str) -> str:
    if p == "":
        return "."
    p = p.rstrip("/")
    if p == "":
        return "/"
    return p[p.rfind("/") + 1 :]


def dir_(p: str) -> str:
    return clean(p[: p.rfind("/") + 1])


def ext(p: str) -> str:
    for i in range(len(p) - 1, -1, -1):
        if p[i] == "/":
            break
        if p[i] == ".":
            return p[i:]
    return ""


def is_abs(p: str) -> bool:
    return p.startswith("/")


FUNCS: dict[str, GoFunc] = {}
for _prefix, _names in (("", ("base", "dir", "clean", "ext", "isAbs")),
                        ("os", ("Base", "Dir", "Clean", "Ext", "IsAbs"))):  # fmt: skip
    for _name, _fn in zip(_names, (base, dir_, clean, ext, is_abs), strict=True):
        FUNCS[_prefix + _name] = GoFunc(_fn, ("string",), None)
