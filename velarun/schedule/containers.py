"""A planned step or service as a container: pure, and the one place the run-time environment
is built.

The compiler has already merged a step's environment (global < stage < step < Vela defaults <
``--env`` < ``PARAMETER_*``). At run time, in this order (later wins): the ``$VELA_OUTPUTS``
file locations; outputs earlier steps wrote (never over a variable the step sets itself); the
build status; the step's own ``VELA_STEP_*``; its secrets; and, for ``commands``, Vela's
script variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from velarun.compile import glob
from velarun.compile.plan import Plan, PlannedService, PlannedStep
from velarun.compile.script import COMMAND, ENTRYPOINT, script_env
from velarun.load.model import Ulimit, Volume
from velarun.runtime import ContainerSpec, Mount, PullObserver, WorkspaceSource
from velarun.runtime import Ulimit as RuntimeUlimit
from velarun.runtime.layout import OUTPUTS_ENV, WORKSPACE
from velarun.schedule.artifacts import ArtifactStore


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What the command line adds to every container of a run."""

    volumes: tuple[Mount, ...] = ()
    """``--volume``: mounted into every container."""
    privileged_images: tuple[str, ...] = ()
    secret_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per step label: the secret variables it receives at start."""
    workspace: WorkspaceSource | None = None
    """What ``/vela/src`` is (``--workspace``); None: the runtime's own default."""
    timeout: float | None = None
    """``--timeout`` in seconds over the whole build; None: no limit."""
    parallel: int | None = None
    """``--parallel N``: at most N stages at once; None: no limit (the server's way)."""
    pull: str | None = None
    """``--pull POLICY`` over every step's and service's own; None: their own."""
    artifacts: ArtifactStore | None = None
    """Where steps' artifacts go; None: they are not kept."""
    pulls: PullObserver | None = None
    """Told how image pulls go (the console's progress bars on a terminal)."""


@dataclass(frozen=True, slots=True)
class StepContext:
    """The state of the build when a step starts."""

    build_status: str
    outputs: Mapping[str, str] = field(default_factory=dict)
    masked_outputs: Mapping[str, str] = field(default_factory=dict)


def image_privileged(image: str, patterns: Sequence[str]) -> bool:
    """Vela's privileged-images check: the image, or its familiar name, matches a pattern."""
    familiar = image.removeprefix("docker.io/").removeprefix("library/")
    bare = familiar.split("@", 1)[0]
    candidates = {image, familiar, bare, bare.rsplit(":", 1)[0] if ":" in bare else bare}
    for pattern in patterns:
        for name in candidates:
            try:
                if glob.match(pattern, name):
                    return True
            except glob.BadPatternError:
                return False
    return False


def mounts(volumes: Sequence[Volume]) -> tuple[Mount, ...]:
    return tuple(Mount(v.source, v.destination, v.access_mode != "rw") for v in volumes)


def ulimits(limits: Sequence[Ulimit]) -> tuple[RuntimeUlimit, ...]:
    return tuple(RuntimeUlimit(u.name, u.soft, u.hard) for u in limits)


def step_environment(
    step: PlannedStep, context: StepContext, options: RunOptions
) -> dict[str, str]:
    """The whole environment the step's container starts with (see the module's order)."""
    env = dict(step.environment)
    env.update(OUTPUTS_ENV)
    written = {**context.outputs, **context.masked_outputs}
    env.update({k: v for k, v in written.items() if k not in step.environment})
    env["VELA_BUILD_STATUS"] = env["BUILD_STATUS"] = context.build_status
    env.update(
        {
            "VELA_STEP_NAME": step.name,
            "VELA_STEP_IMAGE": step.image,
            "VELA_STEP_STAGE": step.stage or "",
            "VELA_STEP_STATUS": "running",
            "VELA_STEP_NUMBER": str(step.number),
        }
    )
    env.update(options.secret_env.get(step.label, {}))
    if step.commands:
        env.update(script_env(step.commands, env, step.user))
    return env


def step_spec(step: PlannedStep, context: StepContext, options: RunOptions) -> ContainerSpec:
    """A PlannedStep as a container: Vela's script for commands, else the entrypoint as written."""
    return ContainerSpec(
        kind="step",
        name=step.name,
        stage=step.stage,
        image=step.image,
        pull=options.pull or step.pull,
        entrypoint=ENTRYPOINT if step.commands else step.entrypoint,
        command=(COMMAND,) if step.commands else (),
        environment=step_environment(step, context, options),
        user=step.user,
        privileged=image_privileged(step.image, options.privileged_images),
        ulimits=ulimits(step.ulimits),
        mounts=(*mounts(step.volumes), *options.volumes),
        working_dir=WORKSPACE,
        detach=step.detach,
    )


def service_spec(service: PlannedService, options: RunOptions) -> ContainerSpec:
    return ContainerSpec(
        kind="service",
        name=service.name,
        stage=None,
        image=service.image,
        pull=options.pull or service.pull,
        entrypoint=service.entrypoint,
        environment=dict(service.environment),
        user=service.user,
        privileged=image_privileged(service.image, options.privileged_images),
        ulimits=ulimits(service.ulimits),
        mounts=options.volumes,
        detach=True,
    )


def helper_image(specs: Sequence[ContainerSpec]) -> str | None:
    """An image the run resolves before any step (pulled up front, not ``on_start``), else
    the first one: for the helper container that fills the workspace."""
    for spec in specs:
        if spec.pull != "on_start":
            return spec.image
    return specs[0].image if specs else None


def image_specs(plan: Plan, pull: str | None = None) -> list[ContainerSpec]:
    """What image resolution needs (image, pull policy, who uses it): no environment yet.
    ``pull``: ``--pull``, over every policy."""
    services = [
        ContainerSpec("service", s.name, None, s.image, pull or s.pull) for s in plan.services
    ]
    steps = [
        ContainerSpec("step", s.name, s.stage, s.image, pull or s.pull) for s in plan.all_steps()
    ]
    return [*services, *steps]
