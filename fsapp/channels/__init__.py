"""The channels besides the phone: e-mail, SMS, web chat and social media, run by the controller.

Inbound messages become contacts (:func:`fsapp.notify.inbound.receive`) and, where a queue is configured,
work items waiting in the ACD's queues beside the calls (:class:`fsapp.channels.workdesk.WorkDesk`);
operators take them on the desk (:mod:`fsapp.desk.work`) or through the control API. Items and open chats are
kept in the store as they change (:mod:`fsapp.channels.journal`), so a restart loses none. Notices go out on the
citizen's preferred channel.
"""
