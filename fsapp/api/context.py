"""What the control API's handlers work on: the controller's parts, the live feed, supervision, audit."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsapp.acd.recordings import recording_path
from fsapp.api.auth import grants
from fsapp.api.errors import BadRequest
from fsapp.esl.events import Event
from fsapp.reports.tables import service_levels
from fsapp.supervise.eavesdrop import Supervision
from fsapp.supervise.feed import LiveFeed
from fsapp.supervise.live import Snapshot, build_snapshot
from fsapp.switch.channel import Channel

if TYPE_CHECKING:
    from fsapp.controller import Controller

log = logging.getLogger(__name__)

POKING_EVENTS = frozenset({"CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_BRIDGE",
                           "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP_COMPLETE", "DTMF"})
MAX_REPORT_DAYS = 366   # the widest from..to a report may span
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9998, 12, 31)
LEVELS_MAX_AGE = 15.0   # seconds today's service levels are reused before the store is asked again


class ControlContext:
    """One controller seen from the API: live picture, actions, audit log."""

    def __init__(self, controller: Controller, *, feed_interval: float = 1.0) -> None:
        self.controller = controller
        self.clock = controller.acd.clock
        self.tokens = grants(controller.config.api.tokens, controller.acd_config.agents)
        self.supervision = Supervision(controller.switch, controller.acd, self.clock)
        self.feed = LiveFeed(self._build, interval=feed_interval)
        self.supervision.listeners.append(self.feed.poke)
        self.first_seen: dict[str, float] = {}
        self.recordings: dict[str, str] = {}          # call uuid -> file started from the API
        self._levels: tuple[float, dict[str, float | None]] | None = None
        controller.switch.listen(self._on_event)

    # -- live picture -----------------------------------------------------------------------------------

    def _on_event(self, event: Event, channel: Channel | None) -> None:
        if channel is not None:
            if event.name == "CHANNEL_CREATE" or channel.uuid not in self.first_seen:
                self.first_seen.setdefault(channel.uuid, self.clock())
            if channel.gone:
                self.first_seen.pop(channel.uuid, None)
        if event.name in POKING_EVENTS:
            self.feed.poke()

    def _build(self) -> Snapshot:
        acd = self.controller.acd
        return build_snapshot(acd.router, acd.calls, list(self.controller.switch.registry),
                              [s.as_dict() for s in self.supervision.sessions.values()], now=self.clock(),
                              first_seen=self.first_seen, levels_today=self.levels_today())

    def levels_today(self) -> dict[str, float | None]:
        """Each queue's service level over today's finished calls (local day), cached briefly."""
        now = self.clock()
        if self._levels is not None and now - self._levels[0] < LEVELS_MAX_AGE:
            return self._levels[1]
        local_now = self.controller.now()
        midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        levels = service_levels(self.controller.store, midnight, local_now + timedelta(seconds=1),
                                {name: queue.service_level.seconds
                                 for name, queue in self.controller.acd_config.queues.items()})
        self._levels = (now, levels)
        return levels

    # -- actions ----------------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, entity: str, entity_id: object, **detail: Any) -> None:
        """Every privileged action goes to the store's audit log."""
        self.controller.store.audit(actor, action, entity, entity_id,
                                    json.dumps(detail, default=str, ensure_ascii=False) if detail else "")
        self.feed.poke()

    def start_recording(self, call_uuid: str) -> str:
        call = self.controller.switch.call(call_uuid)
        now = self.clock()
        base = recording_path(self.controller.config.paths.recordings, call_uuid, now)
        path = base.with_name(f"{call_uuid}.{int(now)}.wav")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        call.start_recording(str(path))
        self.recordings[call_uuid] = str(path)
        log.info("call %s: recording to %s on request", call_uuid, path)
        return str(path)

    def stop_recording(self, call_uuid: str) -> str:
        call = self.controller.switch.call(call_uuid)
        path = self.recordings.pop(call_uuid, "all")
        call.stop_recording(path)
        log.info("call %s: recording %s stopped on request", call_uuid, path)
        return path

    def local_day_range(self, first: date | None, last: date | None) -> tuple[datetime, datetime]:
        """``[first 00:00, day after last 00:00)`` in the city's zone; default: today. At most
        :data:`MAX_REPORT_DAYS` days, ``first`` not after ``last`` (BadRequest otherwise)."""
        today = self.controller.now().date()
        start = first or today
        end = last or (start if first else today)
        if not (EARLIEST_DAY <= start and end <= LATEST_DAY):
            raise BadRequest(f"days must be between {EARLIEST_DAY} and {LATEST_DAY}")
        if end < start:
            raise BadRequest("from is after to")
        if (end - start).days >= MAX_REPORT_DAYS:
            raise BadRequest(f"from and to may span at most {MAX_REPORT_DAYS} days")
        zone = self.controller.zone
        return (datetime(start.year, start.month, start.day, tzinfo=zone),
                datetime(end.year, end.month, end.day, tzinfo=zone) + timedelta(days=1))
