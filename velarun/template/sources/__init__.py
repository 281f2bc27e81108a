"""Where templates come from: ``--template-file`` overrides, the repository, GitHub.

``parse_source`` reads a ``type: github`` source as the Vela server does (``parse.py``, pure);
``resolve_template`` finds a template's text and says where it came from (``resolve.py``),
fetching from GitHub's API (``github.py``) through a disk cache keyed by commit (``cache.py``).
"""

from __future__ import annotations

from velarun.template.sources.cache import TemplateCache, cache_dir
from velarun.template.sources.parse import GithubSource, TemplateSourceError, parse_source
from velarun.template.sources.resolve import (
    ResolvedTemplate,
    TemplateOverrideError,
    TemplateUnavailableError,
    parse_overrides,
    resolve_template,
)

__all__ = [
    "GithubSource",
    "ResolvedTemplate",
    "TemplateCache",
    "TemplateOverrideError",
    "TemplateSourceError",
    "TemplateUnavailableError",
    "cache_dir",
    "parse_overrides",
    "parse_source",
    "resolve_template",
]
