"""How an audit shows itself on the console: a live display on a terminal, one plain line per
event otherwise (systemd journal, cron mail, `--log-file`), nothing with `--quiet`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import IO, TYPE_CHECKING, Any

from auditor.messages.catalogue import Messages
from auditor.progress import AssetDone, Phase
from auditor.textsafe import printable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID


def asset_line(t: Messages, done: AssetDone, count: int, total: int) -> str:
    """ "Thu thập 12/40 — pc-ketoan ✓ (1.2 s)", or with ✗ and the reason."""
    mark = "✓" if done.failure is None else "✗"
    line = t(
        "cli.asset_line",
        phase=t("cli.phase.collect"),
        n=count,
        total=total,
        asset=printable(done.asset_id),
        mark=mark,
        seconds=f"{done.seconds:.1f}",
    )
    if done.failure is not None:
        line += ": " + t(done.failure.code, detail=printable(done.failure.detail, 200))
    return line


class CatalogueFormatter(logging.Formatter):
    """A record as one plain line in the officer's language: the local time, then the
    catalogue text of its key with its parameters (a failure's own code said in words too);
    a record without a key (a line already in words) as it is; control characters escaped."""

    def __init__(self, t: Messages, *, named: bool = False) -> None:
        super().__init__()
        self.t, self.named = t, named  # `named`: the logger's name after the time

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created).astimezone()
        prefix = f"{stamp.isoformat(timespec='seconds')} " + (
            f"{record.name} " if self.named else ""
        )
        coded = self.t.has(str(record.msg)) and (isinstance(record.args, dict) or not record.args)
        if coded:
            args = record.args if isinstance(record.args, dict) else {}
            params = {k: printable(str(v), 300) for k, v in args.items()}
            code = params.get("code", "")
            if self.t.has(code):
                params["code"] = self.t(code, detail=params.get("detail", ""))
            text = self.t(str(record.msg), **params)
        else:
            text = printable(record.getMessage(), 10_000)
        return prefix + text


def log_handlers(t: Messages, streams: list[IO[str]]) -> list[logging.Handler]:
    """The library's records (every `auditor.*` logger) into `streams`, one line each;
    remove them with `drop_handlers` when the command ends."""
    handlers: list[logging.Handler] = []
    root = logging.getLogger("auditor")
    root.setLevel(logging.INFO)
    for stream in streams:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(CatalogueFormatter(t))
        root.addHandler(handler)
        handlers.append(handler)
    return handlers


def drop_handlers(handlers: list[logging.Handler]) -> None:
    root = logging.getLogger("auditor")
    for handler in handlers:
        handler.flush()
        root.removeHandler(handler)


class LogProgress:
    """One timestamped plain line per event, for logs and pipes (and `--log-file`): said
    through the "auditor.progress" logger, so they reach the same handlers as the
    library's own records."""

    def __init__(self, t: Messages) -> None:
        self.t, self.log = t, logging.getLogger("auditor.progress")
        self.total, self.count = 0, 0

    def _emit(self, text: str) -> None:
        self.log.info(text)

    def phase(self, phase: Phase, total: int | None = None) -> None:
        if phase is Phase.collect:
            self.total = total or 0
        self._emit(self.t("cli.phase_start", phase=self.t(f"cli.phase.{phase.value}")))

    def phase_done(self, phase: Phase) -> None:
        self._emit(self.t("cli.phase_end", phase=self.t(f"cli.phase.{phase.value}")))

    def asset(self, done: AssetDone) -> None:
        self.count += 1
        self._emit(asset_line(self.t, done, self.count, self.total))


class LiveProgress:
    """A rich live display: a bar per phase that runs, every asset printed as it ends (so a
    slow host is seen waiting, not hidden), other loggers fed the same lines."""

    def __init__(self, t: Messages, console: Console, also: LogProgress | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import Progress as RichProgress

        self.t, self.console, self.also = t, console, also
        self.bar: RichProgress = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[Phase, TaskID] = {}
        self.total, self.count = 0, 0

    def __enter__(self) -> LiveProgress:
        self.bar.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.bar.stop()

    def phase(self, phase: Phase, total: int | None = None) -> None:
        if phase is Phase.collect:
            self.total = total or 0
        label = self.t(f"cli.phase.{phase.value}")
        self.tasks[phase] = self.bar.add_task(label, total=total)
        if self.also:
            self.also.phase(phase, total)

    def phase_done(self, phase: Phase) -> None:
        task = self.tasks.get(phase)
        if task is not None:
            self.bar.update(task, completed=self.bar.tasks[task].total or 1, visible=False)
            self.console.print(
                "✓ " + self.t(f"cli.phase.{phase.value}"), markup=False, highlight=False
            )
        if self.also:
            self.also.phase_done(phase)

    def asset(self, done: AssetDone) -> None:
        self.count += 1
        task = self.tasks.get(Phase.collect)
        if task is not None:
            self.bar.advance(task)
        self.console.print(
            asset_line(self.t, done, self.count, self.total), markup=False, highlight=False
        )
        if self.also:
            self.also.asset(done)


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """click.echo for anything that may carry data from outside: escapes control characters."""
    import click

    click.echo(printable(message, 10_000_000), err=err, nl=nl)
