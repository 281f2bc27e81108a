"""The differential cases: templates and data that real Go renders into ``cases.json``.

Each entry is ``(template, data)`` or ``(template, data, name)``; ``data`` is JSON-able (ints
stay ints, floats floats, as Go's oracle decodes them). The groups live in ``corpus_base.py``
and ``corpus_more.py``; add cases there, then regenerate ``cases.json`` as README.md says.
"""

from __future__ import annotations

from typing import Any

from tests.unit.template.corpus_base import (
    BRANCHES,
    FIELDS,
    LEXING,
    LITERALS,
    RANGES,
    TEMPLATES,
    VARIABLES,
    D,
)
from tests.unit.template.corpus_more import (
    EDGES,
    EXEC_ERRORS,
    FUNCTIONS,
    PARSE_ERRORS,
    PRINTF,
    VARS,
    VELA,
)

__all__ = ["VARS", "VELA", "D", "cases"]


def cases() -> list[dict[str, Any]]:
    """Every case, numbered, as the oracle reads them."""
    groups = {"lexing": LEXING, "literals": LITERALS, "fields": FIELDS, "variables": VARIABLES,
              "branches": BRANCHES, "ranges": RANGES, "templates": TEMPLATES,
              "functions": FUNCTIONS, "printf": PRINTF, "parse-errors": PARSE_ERRORS,
              "exec-errors": EXEC_ERRORS, "edges": EDGES, "vela": VELA}  # fmt: skip
    out = []
    for group, entries in groups.items():
        for i, entry in enumerate(entries):
            text, data, *rest = entry
            case: dict[str, Any] = {"id": f"{group}-{i:03d}", "name": rest[0] if rest else "t",
                                    "template": text}  # fmt: skip
            if data is not None:
                case["data"] = data
            out.append(case)
    return out
