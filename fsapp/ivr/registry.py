"""The flows a controller serves, by ``fsapp_entry``; reloaded on SIGHUP or when a file changes.

A flow that fails validation is refused and the last good version stays in service. Calls in progress
hold the Flow object they started with, so a reload never disturbs them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fsapp.errors import SourceError
from fsapp.ivr.errors import FlowError, IvrError
from fsapp.ivr.schema import Flow
from fsapp.ivr.validate import validate_file

log = logging.getLogger(__name__)


class FlowRegistry:
    """The last good version of every flow file in a directory."""

    def __init__(self, flows_dir: str | Path, entries: dict[str, str], hooks_dir: str | Path | None = None,
                 check: Callable[[Flow], list[SourceError]] | None = None) -> None:
        """``check`` finds what a valid flow still must not do in this center (e.g. name a queue the ACD
        does not have); a flow it objects to is refused like an invalid one."""
        self.flows_dir = Path(flows_dir)
        self.check = check
        self.entries = dict(entries)
        self.hooks_dir = Path(hooks_dir) if hooks_dir else self.flows_dir
        self._flows: dict[str, Flow] = {}
        self._mtimes: dict[Path, float] = {}
        self.last_errors: list[FlowError] = []

    def flow_for_entry(self, entry: str) -> Flow:
        """The flow serving calls whose dialplan set ``fsapp_entry=entry``."""
        name = self.entries.get(entry, entry)
        try:
            return self._flows[name]
        except KeyError:
            raise IvrError(f"no flow {name!r} for fsapp_entry {entry!r}") from None

    @property
    def flows(self) -> dict[str, Flow]:
        return dict(self._flows)

    def _files(self) -> dict[Path, float]:
        return {path: path.stat().st_mtime for path in sorted(self.flows_dir.glob("*.yaml"))}

    def reload(self) -> list[SourceError]:
        """Re-read every flow file; return the problems (the flows with problems keep their last good version)."""
        files = self._files()
        errors: list[SourceError] = []
        for path in files:
            flow, problems = self._validate(path)
            if flow is not None and self.check is not None:
                problems = list(self.check(flow))
                flow = None if problems else flow
            if flow is None:
                errors.extend(problems)
                kept = "keeping the last good version" if path.stem in self._flows else "not loaded"
                log.error("flow %s refused (%s): %s", path, kept, problems[0].located() if problems else "")
                continue
            self._flows[flow.name] = flow
        self._mtimes = files
        self.last_errors = errors
        return errors

    def _validate(self, path: Path) -> tuple[Flow | None, list[SourceError]]:
        """Validate one file; whatever goes wrong with it refuses that file, never the reload."""
        try:
            return validate_file(path, self.hooks_dir)
        except Exception as exc:  # a hostile or broken file must not end the watcher
            log.exception("flow %s: validation failed unexpectedly", path)
            return None, [FlowError(f"cannot validate: {type(exc).__name__}: {exc}", str(path))]

    def changed(self) -> bool:
        """Whether a flow file was added, removed or modified since the last reload."""
        return self._files() != self._mtimes

    def reload_if_changed(self) -> list[SourceError] | None:
        return self.reload() if self.changed() else None

    def watch(self, interval_s: float = 2.0) -> Any:
        """A greenlet that reloads whenever a file changes (poll every ``interval_s``)."""
        import gevent

        def loop() -> None:
            while True:
                gevent.sleep(interval_s)
                try:
                    self.reload_if_changed()
                except OSError as exc:
                    log.error("cannot read flows in %s: %s", self.flows_dir, exc)
                except Exception:  # the watcher outlives any one bad reload
                    log.exception("reloading flows in %s failed; watching on", self.flows_dir)

        return gevent.spawn(loop)

    def reload_on_sighup(self, on_reload: Callable[[list[FlowError]], None] | None = None) -> Any:
        """Reload when the process gets SIGHUP (gevent signal handler, runs on the hub)."""
        import signal

        import gevent

        def handler() -> None:
            try:
                errors = self.reload()
            except Exception:  # runs on the hub: a failure here must not reach it
                log.exception("SIGHUP: reloading flows in %s failed", self.flows_dir)
                return
            log.info("SIGHUP: flows reloaded, %d problems", len(errors))
            if on_reload is not None:
                on_reload(errors)

        return gevent.signal_handler(signal.SIGHUP, handler)
