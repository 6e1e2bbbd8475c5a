"""How a call ends when no operator takes it, or when its flow fails: never silence on a parked channel.

- A queue that ends in a callback (the exit key, ``on_max_wait: callback``): the caller hears the number
  read back and that they keep their place, then goodbye and a hang-up.
- A queue that ends in voicemail: the caller is asked for a message, it is recorded into the contact
  register (the IVR's own voicemail), then thanks, goodbye and a hang-up.
- A flow that fails (an unknown entry, an error a node did not handle, any exception): an apology, then the
  operator queue when the flow names one the ACD knows, else goodbye and a hang-up.

Texts come from the spoken-texts catalog (``queue.*``), in the caller's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fsapp.acd.outcome import CALLBACK, VOICEMAIL, QueueOutcome
from fsapp.errors import FsappError
from fsapp.esl.errors import ESLError
from fsapp.ivr.actions import Action, Say, Voicemail
from fsapp.switch.call import Call
from fsapp.texts import Texts

log = logging.getLogger(__name__)

VOICEMAIL_SECONDS = 120
PROMPT_TIMEOUT = 20.0   # seconds one closing prompt may take before the caller is let go regardless


def spoken_digits(number: str) -> str:
    """``+4790000303`` -> ``4 7 9 0 0 0 0 3 0 3``: a number read back one digit at a time."""
    return " ".join(digit for digit in number if digit.isdigit())


class QueueEndings:
    """Finishes calls the queue let go and calls whose flow failed (see the module docstring)."""

    def __init__(self, perform: Callable[[Call, Action], object], audio_path: Callable[[Say], str], texts: Texts, *,
                 enqueue: Callable[[Call, str], object], known_queue: Callable[[str], bool],
                 voicemail_seconds: int = VOICEMAIL_SECONDS) -> None:
        self.perform = perform
        self.audio_path = audio_path
        self.texts = texts
        self.enqueue = enqueue
        self.known_queue = known_queue
        self.voicemail_seconds = voicemail_seconds

    def after_queue(self, call: Call, outcome: QueueOutcome, language: str) -> None:
        """Tell the caller what happens next when the queue ended in a callback or voicemail."""
        if call.gone or outcome.kind not in (CALLBACK, VOICEMAIL):
            return
        try:
            if outcome.kind == CALLBACK:
                self.say(call, "queue.callback_confirmed", language,
                          digits=spoken_digits(outcome.callback_number or call.caller_number or ""))
            else:
                self.say(call, "queue.voicemail", language)
                subject = f"Voicemail from {call.caller_number or 'an unknown number'} ({outcome.queue})"
                if self.perform(call, Voicemail(self.voicemail_seconds, language, subject)) is not None:
                    self.say(call, "queue.message_kept", language)
            self._goodbye(call, language)
        except (FsappError, ESLError) as exc:
            log.warning("call %s: ending after the queue stopped: %s; hanging up", call.uuid, exc)
            self._hang_up(call)

    def rescue(self, call: Call, language: str, operator_queue: str | None) -> None:
        """The flow failed: apologize, then the operator queue (if there is one) or goodbye."""
        if call.gone:
            return
        try:
            self.say(call, "queue.apology", language)
            if operator_queue and self.known_queue(operator_queue):
                self.enqueue(call, operator_queue)
                return
            self._goodbye(call, language)
        except (FsappError, ESLError) as exc:
            log.warning("call %s: could not be rescued after its flow failed: %s", call.uuid, exc)
            self._hang_up(call)

    def say(self, call: Call, key: str, language: str, **values: object) -> None:
        """Play one of the spoken texts (``fsapp/texts``) in ``language``, bounded in time."""
        path = self.audio_path(Say(self.texts.say(key, language, **values), language))
        call.playback(path, timeout=PROMPT_TIMEOUT)   # bounded: a closing prompt never holds the call up

    def _goodbye(self, call: Call, language: str) -> None:
        self.say(call, "queue.goodbye", language)
        self._hang_up(call)

    def _hang_up(self, call: Call) -> None:
        """``uuid_kill``: ends the call even when an application is still queued on it."""
        if not call.gone:
            try:
                call.kill()
            except (FsappError, ESLError) as exc:
                log.info("call %s: hang-up failed: %s", call.uuid, exc)
