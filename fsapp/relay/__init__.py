"""Staff's direct numbers and the relay service: ring the person first, then offer a colleague, a callback
or when the person is next available. :mod:`fsapp.relay.menu` decides (pure), :mod:`fsapp.relay.service`
carries it out on the switch."""

from fsapp.relay.errors import RelayError, UnknownDirectNumber
from fsapp.relay.menu import Choice, Presence, availability_text, relay_queue, should_ring
from fsapp.relay.service import RelayResult, RelayService

__all__ = ["Choice", "Presence", "RelayError", "RelayResult", "RelayService", "UnknownDirectNumber",
           "availability_text", "relay_queue", "should_ring"]
