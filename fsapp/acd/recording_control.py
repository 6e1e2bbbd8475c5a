"""Which queue calls are recorded: a queue's ``record`` setting, switched off at run time per queue by a
supervisor, and a call a supervisor opted out (its recording stops at once and no later part is recorded).

Part of :class:`~fsapp.acd.service.AcdService`::

    acd.records(call_uuid, "taxes")          # would this call be recorded if answered in taxes now?
    acd.set_queue_recording("taxes", False)  # no more recordings in taxes until switched on again
    acd.opt_out_recording(call_uuid)         # this call: stop recording, and record no later part
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from fsapp.acd.calls import QueuedCall
from fsapp.acd.errors import UnknownCall, UnknownQueue

log = logging.getLogger(__name__)

REMEMBERED_OPT_OUTS = 10_000   # calls opted out (a call transferred on keeps its choice)


class RecordingControl:
    """Supervisors' opt-outs of recording (mixed into the ACD service, which provides the rest)."""

    router: Any
    calls: dict[str, QueuedCall]

    def _init_recording_control(self) -> None:
        self.recording_off: set[str] = set()                       # queues switched off at run time
        self._opted_out: OrderedDict[str, None] = OrderedDict()    # call uuids

    def records(self, call_uuid: str, queue: str) -> bool:
        """Would a conversation of this call in ``queue`` be recorded?"""
        return (queue in self.router.config.queues and self.router.config.queue(queue).record
                and queue not in self.recording_off and call_uuid not in self._opted_out)

    def set_queue_recording(self, queue: str, on: bool) -> None:
        """Switch recording in ``queue`` off (or back on, as its ``record`` setting says) until the next restart."""
        if queue not in self.router.config.queues:
            raise UnknownQueue(f"no queue {queue!r}")
        (self.recording_off.discard if on else self.recording_off.add)(queue)
        log.info("queue %s: recording %s", queue, "on" if on else "off")

    def opt_out_recording(self, call_uuid: str) -> None:
        """This call is not recorded from now on; a recording in progress stops (the part before is kept)."""
        def job() -> None:
            queued = self.calls.get(call_uuid)
            if queued is None:
                raise UnknownCall(f"call {call_uuid} is not in a queue")
            self._opted_out[call_uuid] = None
            while len(self._opted_out) > REMEMBERED_OPT_OUTS:
                self._opted_out.popitem(last=False)
            self._stop_recording(queued)
            log.info("call %s: opted out of recording", call_uuid)
        self._run(job)

    def _stop_recording(self, queued: QueuedCall) -> None:   # the service's
        raise NotImplementedError

    def _run(self, job: Any) -> Any:   # the service's
        raise NotImplementedError
