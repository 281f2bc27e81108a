"""Where velarun keeps what it may reuse between runs (GitHub templates, git packs of a
commit workspace): ``$VELARUN_CACHE_DIR``, else ``$XDG_CACHE_HOME/velarun``, else
``~/.cache/velarun``. A cache that cannot be read or written is a miss, never an error."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cache_dir(env: Mapping[str, str]) -> Path:
    """velarun's cache directory, from ``VELARUN_CACHE_DIR``, ``XDG_CACHE_HOME`` or the home."""
    if env.get("VELARUN_CACHE_DIR"):
        return Path(env["VELARUN_CACHE_DIR"])
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):  # the XDG spec ignores a relative path
        return Path(xdg) / "velarun"
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    return home / ".cache" / "velarun"
