"""gc_paused: the collector is off inside and restored after, whatever happens."""

from __future__ import annotations

import gc

import pytest

from velarun.gcpause import gc_paused


@pytest.mark.parametrize("enabled_before", [True, False])
def test_restores_the_collector_as_it_was(enabled_before: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled_before else gc.disable()
        seen = []
        with gc_paused():
            seen.append(gc.isenabled())
            with gc_paused():
                seen.append(gc.isenabled())
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
        with pytest.raises(ValueError), gc_paused():
            raise ValueError
        seen.append(gc.isenabled())
        assert seen == [False, False, False, enabled_before, enabled_before]
    finally:
        gc.enable() if was else gc.disable()


def test_load_and_compile_leave_the_collector_on() -> None:
    from velarun.compile.compiler import compile_pipeline
    from velarun.compile.ruledata import build_ruledata
    from velarun.load import load_bytes

    assert gc.isenabled()
    loaded = load_bytes(b'version: "1"\nsteps:\n  - {name: a, image: alpine}\n', "p.yml")
    assert loaded.pipeline is not None and gc.isenabled()
    compile_pipeline(loaded.pipeline, build_ruledata(branch="main"))
    assert gc.isenabled()
