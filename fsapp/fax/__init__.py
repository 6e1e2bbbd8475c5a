"""Fax: the published fax number and fax out from a case.

FreeSWITCH's mod_spandsp receives a fax (``rxfax``) into a TIFF file fsapp names; :class:`~fsapp.fax.inbox.FaxInbox`
turns it into a PDF kept with a new contact (channel ``fax``), linked to the caller's citizen and, when the sender's
station identifier quotes a case reference, to that case (through the same seam as e-mail and SMS:
:func:`fsapp.notify.inbound.receive`). :func:`~fsapp.fax.outbox.send_fax` sends a PDF, TIFF or picture to a number
(``txfax``) and keeps the attempt on the case. File work (:mod:`fsapp.fax.documents`) runs off the hub.
"""
