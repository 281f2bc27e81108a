"""Phase 3, schedule: run a Plan on a Runtime with the Vela server worker's semantics.

- :mod:`~velarun.schedule.outcome`: statuses, the run's outcome, the exit code it means;
- :mod:`~velarun.schedule.reporter`: the ``Reporter`` protocol the run is told to;
- :mod:`~velarun.schedule.runtime_rules`: whether a step starts, decided at run time;
- :mod:`~velarun.schedule.containers`: a planned step as a container (pure);
- :mod:`~velarun.schedule.scheduler`: the task loop (``run_plan``).
"""
