"""``KEY=VALUE`` files: ``--env-file``, ``--secret-file`` and ``$VELA_OUTPUTS``."""

from __future__ import annotations


def parse_dotenv(text: str) -> dict[str, str]:
    """One ``KEY=VALUE`` per line; ``export`` prefixes, ``#`` comments, blank lines and
    surrounding single or double quotes are handled; lines without ``=`` are ignored."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
            if raw.strip().split("=", 1)[1].strip().startswith('"'):
                value = value.replace("\\n", "\n")
        if key:
            out[key] = value
    return out
