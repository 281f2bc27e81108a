"""Where steps work inside their containers: Vela's workspace, ``/vela/src`` (each step's
working directory, as Vela's clone step leaves it).

Kept outside :mod:`velarun.runtime` so that compiling a pipeline (``CI_WORKSPACE``, artifact
paths) imports none of the runtime; :mod:`velarun.runtime.layout` re-exports it with the rest
of the ``/vela`` layout.
"""

from __future__ import annotations

WORKSPACE = "/vela/src"
