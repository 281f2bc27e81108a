"""The life of ``velarun exec``: prepare → secrets → run under signals → results → exit code.

It receives the engine to run on (:data:`OpenRuntime`), so the whole command runs on the
FakeRuntime in tests exactly as on Docker. :func:`prepare` (rule data, host inputs, load,
compile, selection) is shared with ``plan``. User mistakes raise :class:`~velarun.errors.
UsageError` before anything starts; a failed step is an outcome; the engine failing is an
outcome with status ``error``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from velarun import startsignals
from velarun.artifacts import DIR_NAME
from velarun.compile.plan import Plan
from velarun.compile.render import hazards
from velarun.errors import ExitCode, UsageError, VelarunError
from velarun.inputs import PrepareRequest
from velarun.output import OutputGone, write_to
from velarun.prepare import InvalidPipelineError, Prepared, prepare
from velarun.runtime import EngineError, EngineInfo, Mount, Runtime
from velarun.schedule.artifacts import ArtifactStore
from velarun.schedule.containers import RunOptions
from velarun.schedule.outcome import BuildStatus, RunOutcome, not_started
from velarun.secrets import Masker, all_values, describe_missing, resolve_secrets
from velarun.workspace import (
    Workspace,
    WorkspaceChoice,
    copied,
    parse_workspace,
    resolve_workspace,
    workspace_root,
)

if TYPE_CHECKING:
    from velarun.cibuild.server import Reproduced
    from velarun.report.capture import CaptureReporter
    from velarun.report.document import RunDetails
    from velarun.report.live import RunReporter
    from velarun.report.screen import LiveScreen
    from velarun.schedule.debug import DebugOptions


class MissingSecretsError(UsageError):
    """Steps need secrets nobody gave: all of them are listed, with how to pass them."""

    def render(self) -> str:
        return "error: " + self.message


class Engine(Runtime, Protocol):
    """A runtime to connect to first (blocking; raises EngineError) and close at the end;
    once connected, ``engine`` says what it is."""

    engine: EngineInfo

    def connect(self) -> None: ...

    def close(self) -> None: ...


OpenRuntime = Callable[[str], Engine]
"""Makes the engine a run uses, given the run id."""


@dataclass(frozen=True, slots=True)
class ExecRequest:
    prepare: PrepareRequest
    volumes: tuple[Mount, ...] = ()
    privileged_images: tuple[str, ...] = ()
    report: Path | None = None
    junit: Path | None = None
    html: Path | None = None
    """``--html``: the run as one self-contained page, written when ``report`` is."""
    output: str = "text"
    """``text`` (prefixed logs) or ``jsonl`` (one JSON event per line)."""
    workspace: WorkspaceChoice | None = None
    """``--workspace``: what the steps see at ``/vela/src``; None: not chosen (``live``, or
    with ``--build`` the build's commit)."""
    timeout: float | None = 1800.0
    """``--timeout`` in seconds (Vela's default, 30 minutes); None: no limit."""
    parallel: int | None = None
    pull: str | None = None
    artifacts_dir: Path | None = None
    """``--artifacts-dir``: where steps' artifacts go (None: ``.velarun/artifacts`` at the
    workspace's root), each run in a directory named by its id."""
    debug: DebugOptions | None = None
    """``--shell-on-failure``, ``--break-before``, ``--shell``."""


def check_results(request: ExecRequest) -> None:
    """``--report``/``--junit``/``--html`` that could never be written are refused before
    the run."""
    from velarun.report.document import cannot_write

    for flag, path in (
        ("--report", request.report),
        ("--junit", request.junit),
        ("--html", request.html),
    ):
        if path is not None and (problem := cannot_write(path)) is not None:
            exc = UsageError(
                f"{flag} {path}: {problem}", "choose a file in a directory you can write"
            )
            exc.recorded = flag == "--report"  # no report can be written there
            raise exc


def execute(
    request: ExecRequest,
    open_runtime: OpenRuntime,
    *,
    run_id: str | None = None,
    err: TextIO | None = None,
) -> ExitCode:
    """The whole ``exec``; the build's output goes to stdout, velarun's lines to ``err``."""
    from velarun import interrupts, log
    from velarun.report.capture import CaptureReporter
    from velarun.report.masking import MaskingReporter, mask_outcome

    err = err or sys.stderr
    run_id = run_id or uuid.uuid4().hex[:12]
    log.bind_run(run_id)
    stops = interrupts.stop_signals()
    previous: interrupts.Handlers = {}
    plan: Plan | None = None
    workspace: Workspace | None = None
    runtime: Engine | None = None
    try:
        # Nothing exists yet: from here a stop is Ctrl-C. One held since start-up (it came
        # before this handling) is raised now: canceled, with no steps. None is lost between.
        previous = interrupts.interrupt_on(stops)
        startsignals.raise_held()
        check_results(request)
        prepared = prepare(request.prepare)
        plan = prepared.plan
        if prepared.ci is not None:
            from velarun.cibuild.local import check_commit

            check_commit(prepared.ci.build, Path.cwd())
        if request.debug is not None:
            from velarun.schedule.debug import check_breaks

            check_breaks(plan, request.debug.break_before)
        workspace = _workspace(request, prepared)
        secret_env, missing = resolve_secrets(plan, prepared.host)
        if missing:
            raise MissingSecretsError(describe_missing(missing))
        masker = Masker(all_values(secret_env))
        gone = OutputGone()  # `velarun exec | head`: the reader of the output went away
        console, screen = _reporter(request, gone, masker.mask)
        capture = CaptureReporter(console)
        reporter = MaskingReporter(capture, masker)
        _announce(prepared, workspace, reporter)
        options = RunOptions(
            request.volumes,
            request.privileged_images,
            secret_env,
            workspace.source(prefetch=True),
            artifacts=artifact_store(plan, request.artifacts_dir, workspace.root, run_id),
            timeout=request.timeout,
            parallel=request.parallel,
            pull=request.pull,
            pulls=screen,
        )
        runtime = open_runtime(run_id)
        with screen or contextlib.nullcontext():
            outcome, workspace = _run(
                plan, runtime, reporter, options, gone, stops, request.debug, workspace
            )
    except KeyboardInterrupt:
        interrupts.ignore(stops)  # nothing was created: nothing may interrupt saying so
        if runtime is not None:
            _abandon(runtime)
        write_to(err, "velarun: interrupted before any container was created\n")
        if request.report is not None or request.html is not None:
            why = "interrupted" if plan else "interrupted before the pipeline was compiled"
            canceled = not_started(plan, why, status=BuildStatus.CANCELED)
            details = run_details(plan, None, Masker()) if plan is not None else None
            _write_results(request, canceled, {}, err, workspace, details=details)
        return ExitCode.INTERRUPTED
    except VelarunError as exc:  # a user's mistake, found before anything ran
        interrupts.restore(previous)
        record_refusal(request.report, exc, plan, err, html=request.html)
        raise
    interrupts.ignore(stops)  # the run is over and cleaned up: finish writing the results
    reporter.build_finished(outcome)
    for value in outcome.masked:
        masker.add(value)
    ci_build = _verdict(prepared.ci, outcome, err) if prepared.ci is not None else None
    details = run_details(plan, capture, masker)
    written = _write_results(
        request,
        mask_outcome(outcome, masker),
        details.logs,
        err,
        workspace,
        ci_build=ci_build,
        details=details,
    )
    return outcome.exit_code if written else ExitCode.ENVIRONMENT


def run_details(plan: Plan, capture: CaptureReporter | None, masker: Masker) -> RunDetails:
    """What the report holds for the HTML page, masked with every value known at the end
    (a value a step wrote to ``$VELA_MASKED_OUTPUTS`` may have been printed before it was
    known: the kept lines are masked again)."""
    from velarun.report.document import RunDetails

    logs: dict[str, list[str]] = {}
    if capture is not None:
        logs = capture.lines
        if not masker.empty:
            logs = {label: [masker.mask(x) for x in lines] for label, lines in logs.items()}
    masked = masker.mask_json(plan.to_json(share=True))
    assert isinstance(masked, dict)
    return RunDetails(
        needs={st.name: st.needs for st in plan.stages if not st.implicit},
        detached=frozenset(step.label for step in plan.all_steps() if step.detach),
        ruledata=masked["ruledata"],
        logs=logs,
        log_counts=dict(capture.counts) if capture is not None else {},
        pruned=masked["pruned"],
        dropped_needs=masked["dropped_needs"],
    )


def artifact_store(
    plan: Plan, chosen: Path | None, root: Path, run_id: str
) -> ArtifactStore | None:
    """Where this run keeps its steps' artifacts, when a step has any. The default directory,
    ``.velarun/`` at the workspace's root, ignores itself (a ``.gitignore`` of ``*``), so the
    next run does not see it as a change CI would not have."""
    if not any(step.artifacts for step in plan.all_steps()):
        return None
    base = chosen if chosen is not None else root / DIR_NAME / "artifacts"
    if chosen is not None:
        try:
            chosen.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"--artifacts-dir {chosen}: {exc.strerror or exc}",
                "choose a directory you can write",
            ) from None
    else:
        ignore = root / DIR_NAME / ".gitignore"
        with contextlib.suppress(OSError):
            ignore.parent.mkdir(exist_ok=True)
            if not ignore.exists():
                ignore.write_text("# made by velarun: nothing here belongs in git\n*\n")
    run_dir = (base / run_id).absolute()
    shown = os.path.relpath(run_dir) if run_dir.is_relative_to(Path.cwd()) else str(run_dir)
    real, top = base.resolve(), root.resolve()
    inside = real.relative_to(top).as_posix() if real.is_relative_to(top) else ""
    return ArtifactStore(str(run_dir), shown, skip=run_id if inside == "." else inside)


def record_refusal(
    report: Path | None,
    exc: VelarunError,
    plan: Plan | None,
    err: TextIO | None = None,
    *,
    html: Path | None = None,
) -> None:
    """A run that stops before it starts still writes its ``--report`` (status ``error``, the
    command's exit code, the plan's steps not started, the message or the diagnostics), so a
    script that always reads the report finds one; and its ``--html`` page. A report that
    cannot be written is left alone: that is the error."""
    if exc.recorded or (report is None and html is None):
        return
    exc.recorded = True
    if html is not None:
        _refusal_page(html, exc, plan, err)
    if report is None:
        return
    outcome = _refused(exc, plan)
    from velarun.report.document import write_report

    try:
        write_report(report, outcome)
    except OSError as exc_:
        why = exc_.strerror or exc_
        write_to(err or sys.stderr, f"velarun: --report: could not write `{report}`: {why}\n")


def _refused(exc: VelarunError, plan: Plan | None) -> RunOutcome:
    """The outcome of a run refused before it started."""
    if isinstance(exc, InvalidPipelineError):
        error = f"the pipeline has errors ({sum(d.is_error for d in exc.diagnostics)})"
        diagnostics = tuple(d.to_json() for d in exc.diagnostics)
    else:
        error, diagnostics = exc.message, ()
    outcome = not_started(plan, error, exc.hint or "", reason="not started: the run was refused")
    return replace(outcome, code=exc.exit_code, diagnostics=diagnostics)


def _refusal_page(html: Path, exc: VelarunError, plan: Plan | None, err: TextIO | None) -> None:
    """The ``--html`` page of a refused run, unless ``--html`` itself is what was refused."""
    from velarun.report.document import cannot_write

    if cannot_write(html) is not None:
        return
    details = run_details(plan, None, Masker()) if plan is not None else None
    write_html(html, _refused(exc, plan), details=details, err=err or sys.stderr)


def write_html(
    path: Path,
    outcome: RunOutcome,
    *,
    details: RunDetails | None,
    err: TextIO,
    workspace: Mapping[str, object] | None = None,
    ci_build: Mapping[str, object] | None = None,
) -> bool:
    """The ``--html`` page, from the report JSON it renders (as ``velarun report`` does); a
    write that fails is one line on ``err``."""
    from velarun.report.document import report_json, write_text
    from velarun.report.html import render_page

    report = report_json(outcome, workspace=workspace, ci_build=ci_build, details=details)
    try:
        write_text(path, render_page(report), ".velarun-html-")
    except OSError as exc:
        write_to(err, f"velarun: --html: could not write `{path}`: {exc.strerror or exc}\n")
        return False
    return True


def _verdict(ci: Reproduced, outcome: RunOutcome, err: TextIO) -> dict[str, object]:
    """CI's steps fetched now (the build may have finished since the start) and compared
    with the run's; the verdict on ``err``. Its report JSON, ``ci_build``; a server that fails
    now costs the verdict only, in one line."""
    from velarun.cibuild.server import fetch_steps
    from velarun.cibuild.verdict import LocalStep, compare, verdict_lines

    label = ci.build.ref.label
    if outcome.status == BuildStatus.CANCELED:
        why = "the run was canceled"
    else:
        try:
            ci_steps = fetch_steps(ci.server, ci.build.ref)
        except VelarunError as exc:
            why = f"the steps of build {label} could not be fetched: {exc.message}"
        else:
            local = [LocalStep(s.stage, s.name, s.status.value) for s in outcome.all_steps()]
            comparison = compare(ci.build, ci_steps, local)
            write_to(err, "".join(line + "\n" for line in verdict_lines(comparison)))
            return comparison.to_json()
    write_to(err, f"velarun: no verdict: {why}\n")
    return {"build": label, "status": ci.build.status, "verdict": None, "steps": [], "error": why}


def _reporter(
    request: ExecRequest, gone: OutputGone, mask: Callable[[str], str]
) -> tuple[RunReporter, LiveScreen | None]:
    """The reporter of ``--output``, and the live display when the run gets one (text on a
    terminal: :func:`velarun.report.progress.live_wanted`); rich is loaded only then."""
    if request.output == "jsonl":
        from velarun.report.jsonl import JsonlReporter

        return JsonlReporter(on_closed=gone), None
    from velarun.report.console import ConsoleReporter
    from velarun.report.progress import live_wanted

    screen = None
    if live_wanted(request.output, request.debug is not None, sys.stderr, os.environ):
        from velarun.report.screen import LiveScreen

        screen = LiveScreen(sys.stdout, sys.stderr, mask=mask)
    return ConsoleReporter(on_closed=gone, screen=screen), screen


def _workspace(request: ExecRequest, prepared: Prepared) -> Workspace:
    """The workspace chosen with ``--workspace``, at the repository root (raises
    WorkspaceError, exit 2, before anything is created)."""
    # A server build's commit is looked up in the local repository whatever --no-git says
    # (that flag is about rule data, which the build gives).
    use_git = request.prepare.rules.use_git or prepared.ci is not None
    root = workspace_root(Path(prepared.loaded.path), Path.cwd(), use_git)
    choice = request.workspace
    if choice is None and prepared.ci is not None:
        from velarun.cibuild.build import workspace_for_build

        choice = parse_workspace(workspace_for_build(prepared.ci.build))  # what CI cloned
    from velarun.cachedir import cache_dir

    packs = cache_dir(os.environ) / "git-packs"
    return resolve_workspace(choice or WorkspaceChoice(), root, use_git, pack_cache=packs)


def _announce(prepared: Prepared, workspace: Workspace, reporter: RunReporter) -> None:
    """The rule data and where it came from, the workspace, the plan, and what the rulesets
    removed before anything runs (Vela stays silent about it)."""
    for datum, value, source in prepared.ruledata.rows():
        reporter.notice("rule_data", datum=datum, value=value, source=source)
    reporter.notice("workspace", description=workspace.describe())
    for warning in prepared.warnings:
        reporter.notice("warning", message=warning)
    if (unseen := workspace.warning()) is not None:
        reporter.notice("warning", message=unseen)
    if (other := workspace.differs_from(prepared.ruledata.data.commit)) is not None:
        reporter.notice("warning", message=other)
    plan = prepared.plan
    reporter.plan_ready(plan.to_json())
    for pruned in plan.pruned:
        where = f"{pruned.stage}/{pruned.name}" if pruned.stage else pruned.name
        reporter.notice("pruned", kind=pruned.kind, name=where, reason=pruned.reason)
    for hazard in hazards(plan):
        reporter.notice("needs_changed", hazard=hazard)


def _run(
    plan: Plan,
    runtime: Engine,
    reporter: RunReporter,
    options: RunOptions,
    gone: OutputGone,
    stops: tuple[signal.Signals, ...],
    debug: DebugOptions | None,
    workspace: Workspace,
) -> tuple[RunOutcome, Workspace]:
    """Connect, say which engine, run under signals, close. An engine that cannot be reached
    is an outcome; so is one that cannot see this machine's files when the run mounts host
    paths. Returns the workspace the run had (a live one is copied to a remote engine). A second
    stop is told what the runtime still has to remove and the end's time limit."""
    from velarun import interrupts
    from velarun.schedule.deadline import CleanupLimit
    from velarun.schedule.scheduler import run_plan

    try:
        interrupts.finish_or_interrupt(runtime.connect, stops, CONNECT_GRACE)
    except EngineError as exc:
        return not_started(plan, exc.message, exc.hint or ""), workspace
    engine = runtime.engine
    reporter.notice("engine", description=engine.describe())
    if not engine.shares_files:
        refused = host_mounts(plan, options.volumes)
        if refused:
            runtime.close()
            message = (
                f"{', '.join(refused)}: no host path can be mounted: the engine at"
                f" {engine.url} does not see this machine's files"
            )
            hint = "put what the steps need in the repository (it is copied), or use a local engine"
            outcome = not_started(plan, message, hint)
            return replace(outcome, code=ExitCode.INVALID), workspace
        if workspace.mode == "live":
            workspace = copied(workspace)
            options = replace(options, workspace=workspace.source(prefetch=True))
            reporter.notice("workspace", description=workspace.describe())
            reporter.notice("warning", message=REMOTE_COPY)
    ending = CleanupLimit()
    outcome, stopped = interrupts.run_until_stopped(
        lambda scope: run_plan(
            plan, runtime, reporter, options, cancel_scope=scope, debug=debug, ending=ending
        ),
        stops,
        gone,
        reporter.notice,
        lambda: interrupts.still_removing(runtime.pending_cleanup(), ending.seconds_left()),
    )
    runtime.close()
    if stopped.by and outcome.status != BuildStatus.CANCELED:
        outcome = replace(outcome, status=BuildStatus.CANCELED)
    return outcome, workspace


CONNECT_GRACE = 3.0
"""A stop while connecting lets the connection finish for this long (it may be creating the
engine's file-sharing probe, a container), before :func:`_abandon` sweeps."""
ABANDON_SECONDS = 5.0


def _abandon(runtime: Engine) -> None:
    """Interrupted before the run began: whatever connecting made (the engine's file-sharing
    probe) is swept by the run's label, in a few seconds at most; then the engine is closed."""
    import anyio

    async def sweep() -> None:
        with anyio.move_on_after(ABANDON_SECONDS):
            await runtime.teardown()

    with contextlib.suppress(EngineError):  # left for `velarun clean`; the run never began
        anyio.run(sweep)
    runtime.close()


REMOTE_COPY = (
    "the engine does not share this machine's files: the workspace is copied into the run's"
    " volume, and what steps write there stays on the engine"
)


def host_mounts(plan: Plan, volumes: Iterable[Mount]) -> list[str]:
    """What would bind-mount a host path: ``--volume`` and the steps' ``volumes``, named."""
    named = [f"--volume {v.source}" for v in volumes]
    for step in plan.all_steps():
        named += [f"step `{step.label}` volume {v.source}" for v in step.volumes]
    return named


def _write_results(
    request: ExecRequest,
    outcome: RunOutcome,
    lines: Mapping[str, Iterable[str]],
    err: TextIO,
    workspace: Workspace | None = None,
    *,
    ci_build: Mapping[str, object] | None = None,
    details: RunDetails | None = None,
) -> bool:
    """Write ``--report``, ``--junit`` and ``--html``; a failure (the disk filled up, the
    directory went away) is one line on ``err``, not a traceback, and the run then exits 3."""
    from velarun.report.document import write_report
    from velarun.report.junit import write_junit

    def attempt(flag: str, path: Path, write: Callable[[Path], None]) -> bool:
        try:
            write(path)
        except OSError as exc:
            write_to(err, f"velarun: {flag}: could not write `{path}`: {exc.strerror or exc}\n")
            return False
        return True

    written = True
    about = workspace.to_json() if workspace is not None else None
    if request.report is not None:
        written &= attempt(
            "--report",
            request.report,
            lambda p: write_report(p, outcome, workspace=about, ci_build=ci_build, details=details),
        )
    if request.junit is not None:
        written &= attempt("--junit", request.junit, lambda p: write_junit(p, outcome, lines))
    if request.html is not None:
        written &= write_html(
            request.html, outcome, details=details, err=err, workspace=about, ci_build=ci_build
        )
    return written
