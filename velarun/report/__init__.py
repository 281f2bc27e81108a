"""What a run shows and writes.

- :mod:`~velarun.report.live`: the ``RunReporter`` protocol (the scheduler's ``Reporter`` plus
  the plan and the end of the build) and Vela's log prefixes;
- :mod:`~velarun.report.console`: prefixed step output on stdout, velarun's lines on stderr;
- :mod:`~velarun.report.jsonl`: ``--output jsonl``, one JSON event per line;
- :mod:`~velarun.report.masking`: the one place secrets are masked, around the reporter and
  over the outcome before any file is written;
- :mod:`~velarun.report.capture`: the tail of each step's output, for JUnit;
- :mod:`~velarun.report.summary`: the table that ends every run;
- :mod:`~velarun.report.document`: the run report JSON (``--report``);
- :mod:`~velarun.report.junit`: JUnit XML (``--junit``);
- :mod:`~velarun.report.html`: the run as one self-contained page (``--html``, ``velarun
  report``), from the report JSON, with :mod:`~velarun.report.gantt` (the timeline and the
  critical path), :mod:`~velarun.report.stagegraph` (the stage graph) and
  :mod:`~velarun.report.ansi` (log colours).
"""
