"""Runs velarun's command line in the test's process, as click's ``CliRunner`` did for typer.

``CliRunner().invoke(app, args, obj=..., env=..., catch_exceptions=...)`` returns a
``Result`` with ``exit_code``, ``stdout``, ``stderr`` and ``output`` (both streams interleaved in
the order written). Standard input is empty; ``env`` sets variables for the call (``None``
removes one); an exception other than ``SystemExit`` becomes ``exit_code`` 1 and
``result.exception``, or is raised with ``catch_exceptions=False``.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from velarun.cli.commands import App


class _Tee(io.BytesIO):
    """One stream's bytes, also copied to the interleaved output."""

    def __init__(self, mixed: io.BytesIO) -> None:
        super().__init__()
        self.mixed = mixed

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.mixed.write(data)
        return super().write(data)

    def close(self) -> None:
        """Kept open when its text wrapper is collected: the result reads it afterwards."""


class _Text(io.TextIOWrapper):
    def __init__(self, raw: io.BytesIO, name: str, mode: str) -> None:
        super().__init__(raw, encoding="utf-8", errors="replace", write_through=True)
        self._name = name
        self._mode = mode

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._name

    @property
    def mode(self) -> str:
        return self._mode


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout_bytes: bytes
    stderr_bytes: bytes
    output_bytes: bytes
    exception: BaseException | None = None

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace").replace("\r\n", "\n")

    @property
    def output(self) -> str:
        return self.output_bytes.decode("utf-8", "replace").replace("\r\n", "\n")


@contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in env}
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    sys.stderr.write(f"{exc.code}\n")
    return 1


class CliRunner:
    def invoke(
        self,
        app: App,
        args: Sequence[str] = (),
        *,
        obj: object = None,
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = True,
    ) -> Result:
        mixed = io.BytesIO()
        out, err = _Tee(mixed), _Tee(mixed)
        streams = (sys.stdin, sys.stdout, sys.stderr)
        sys.stdin = _Text(_Tee(io.BytesIO()), "<stdin>", "r")
        sys.stdout = _Text(out, "<stdout>", "w")
        sys.stderr = _Text(err, "<stderr>", "w")
        code, exception = 0, None
        try:
            with _environment(env or {}):
                app.main(list(args), obj)
        except SystemExit as exc:
            code = _code(exc)
        except Exception as exc:
            if not catch_exceptions:
                raise
            code, exception = 1, exc
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdin, sys.stdout, sys.stderr = streams
        return Result(code, out.getvalue(), err.getvalue(), mixed.getvalue(), exception)
