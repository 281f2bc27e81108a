"""Commands -> Vela's build script (vela-compiler.md §4.5), as pure functions.

A step with ``commands`` runs ``/bin/sh -c "echo $VELA_BUILD_SCRIPT | base64 -d | /bin/sh -e"``
where ``VELA_BUILD_SCRIPT`` is the base64 of a script that first writes ``$HOME/.netrc`` and
then, for each command, prints ``$ <command>`` and runs it. ``sh -e`` stops at the first
failing command, whose exit code becomes the step's.
"""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Mapping, Sequence

ENTRYPOINT = ("/bin/sh", "-c")
COMMAND = "echo $VELA_BUILD_SCRIPT | base64 -d | /bin/sh -e"

_SETUP = """
cat <<EOF > $HOME/.netrc
machine $VELA_NETRC_MACHINE
login $VELA_NETRC_USERNAME
password $VELA_NETRC_PASSWORD
EOF
chmod 0600 $HOME/.netrc
unset VELA_NETRC_MACHINE
unset VELA_NETRC_USERNAME
unset VELA_NETRC_PASSWORD
unset VELA_BUILD_SCRIPT
"""

_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def _printable(ch: str) -> bool:
    """Go's ``strconv.IsPrint``: letters, marks, numbers, punctuation, symbols, ASCII space."""
    return ch == " " or unicodedata.category(ch)[0] in "LMNPS"


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` (``%q``) for a string."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def _trace(command: str) -> str:
    shown = go_quote(command).replace("$", "\\$")
    return f"\necho $ {shown}\n{command}\n"


def script_text(commands: Sequence[str]) -> str:
    return _SETUP + "".join(_trace(c) for c in commands) + "\n"


def encode_script(commands: Sequence[str]) -> str:
    return base64.b64encode(script_text(commands).encode()).decode()


def script_env(commands: Sequence[str], env: Mapping[str, str], user: str) -> dict[str, str]:
    """The variables the worker adds to a step with commands: HOME, SHELL, VELA_BUILD_SCRIPT."""
    home = env.get("HOME") or (f"/home/{user}" if user else "/root")
    return {"HOME": home, "SHELL": "/bin/sh", "VELA_BUILD_SCRIPT": encode_script(commands)}
