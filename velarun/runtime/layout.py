"""Where things are inside every container of a run: the ``/vela`` layout, defined once.

The run's volume is mounted at ``/vela``, the workspace at ``/vela/src`` (each step's working
directory, as Vela's clone step leaves it), and a host directory at ``/vela/outputs`` holding
the files steps write their outputs to.
"""

from __future__ import annotations

VELA = "/vela"
from velarun.workdir import WORKSPACE as WORKSPACE  # noqa: E402 (compile reads it too)

OUTPUTS_DIR = f"{VELA}/outputs"
OUTPUTS_FILE = ".env"
"""``$VELA_OUTPUTS``, in ``OUTPUTS_DIR``: KEY=VALUE lines later steps receive."""
MASKED_OUTPUTS_FILE = "masked.env"
"""``$VELA_MASKED_OUTPUTS``: the same, with the values masked in everything shown."""
OUTPUTS_ENV = {
    "VELA_OUTPUTS": f"{OUTPUTS_DIR}/{OUTPUTS_FILE}",
    "VELA_MASKED_OUTPUTS": f"{OUTPUTS_DIR}/{MASKED_OUTPUTS_FILE}",
}
