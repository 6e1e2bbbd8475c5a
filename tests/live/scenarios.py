"""SIPp scenarios the live tests write for each run: callers, softphones that register and answer, phones that call.

They are written per test because SIPp 3.6.1 does not expand ``[fieldN]`` inside ``[authentication ...]``: a
phone's user and password go into its scenario. Media files are absolute paths (see :mod:`tests.live.pcaps`).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

_HEAD = '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n'
_SDP = """v=0
      o=fsapp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP {codecs} 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=ptime:20
      a=sendrecv"""


def _scenario(name: str, steps: list[str]) -> str:
    return _HEAD + f'<scenario name="{name}">\n' + "\n".join(steps) + "\n</scenario>\n"


def _send(message: str, retrans: bool = False) -> str:
    attribute = ' retrans="500"' if retrans else ""
    return f"  <send{attribute}>\n    <![CDATA[\n      {message.strip()}\n\n    ]]>\n  </send>"


def _play(pcap: Path) -> str:
    return f'  <nop><action><exec play_pcap_audio="{escape(str(pcap))}"/></action></nop>'


def _pause(milliseconds: int) -> str:
    return f'  <pause milliseconds="{milliseconds}"/>'


def _reply(status: str, sdp: bool = False, tag: bool = False) -> str:
    to = "[last_To:];tag=[pid]SIPpTag01[call_number]" if tag else "[last_To:]"
    body = f"Content-Type: application/sdp\n      Content-Length: [len]\n\n      {_SDP.format(codecs='8 0')}" \
        if sdp else "Content-Length: 0"
    return _send(f"""SIP/2.0 {status}
      [last_Via:]
      [last_From:]
      {to}
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:phone@[local_ip]:[local_port]>
      {body}""")


def _in_dialog(method: str, cseq: int, target: str, user: str = "caller", domain: str = "[remote_ip]") -> str:
    return _send(f"""{method} sip:{target}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{user}@{domain}>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{target}@{domain}>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} {method}
      Contact: <sip:{user}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0""", retrans=method == "BYE")


def _invite(target: str, cseq: int, user: str, domain: str, auth: str = "") -> str:
    authorization = f"\n      [authentication {auth}]" if auth else ""
    return _send(f"""INVITE sip:{target}@{domain} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "{user}" <sip:{user}@{domain}>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{target}@{domain}>
      Call-ID: [call_id]
      CSeq: {cseq} INVITE
      Contact: <sip:{user}@[local_ip]:[local_port]>{authorization}
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      {_SDP.format(codecs='8 0')}""", retrans=True)


_ANSWERED = ['  <recv response="100" optional="true"/>', '  <recv response="180" optional="true"/>',
             '  <recv response="183" optional="true"/>', '  <recv response="200" rtd="true"/>']
_INVITE_REMEMBERED = """  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="caller"/>
      <ereg regexp=".*" search_in="hdr" header="To:" assign_to="callee"/>
      <ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="contact"/>
    </action>
  </recv>"""
"""An INVITE to answer, with what the answering side's own BYE needs kept: the caller's From and To, its Contact
(only where the BYE is sent: SIPp refuses a scenario with a variable it sets and never reads)."""

_BYE_RECEIVED = ['  <recv request="BYE" timeout="180000"/>', _reply("200 OK")]


def caller(number: str, *, media: list[tuple[int, Path]] = (), hangup_after: int | None = None,
           caller_id: str = "4790000001", refusable: bool = False) -> str:
    """A citizen calling ``number`` through a trunk: ``media`` is ``(ms after the answer, pcap)`` played in order;
    the caller hangs up ``hangup_after`` ms after the answer, or (None) waits for the switch to hang up.
    ``refusable``: a 503 instead of the answer is acknowledged and ends the call (the switch turned it away)."""
    invite = _invite(number, 1, caller_id, "[remote_ip]:[remote_port]")
    answered = _ANSWERED
    if refusable:
        invite = invite.replace("<send", '<send start_txn="invite"', 1)
        answered = [step.replace("<recv ", '<recv response_txn="invite" ') for step in
                    [*_ANSWERED[:-1], '  <recv response="503" optional="true" next="refused"/>', _ANSWERED[-1]]]
    steps = [invite, *answered, _in_dialog("ACK", 1, number, caller_id, "[remote_ip]:[remote_port]")]
    elapsed = 0
    for at, pcap in media:
        steps += [_pause(at - elapsed), _play(pcap)]
        elapsed = at
    if hangup_after is None:
        steps += _BYE_RECEIVED
    else:
        steps += [_pause(hangup_after - elapsed), _in_dialog("BYE", 2, number, caller_id, "[remote_ip]:[remote_port]"),
                  '  <recv response="200" crlf="true"/>']
    if refusable:   # the ACK of a non-2xx answer belongs to the INVITE's transaction (its branch)
        ack = _in_dialog("ACK", 1, number, caller_id, "[remote_ip]:[remote_port]")
        ack = ack.replace("<send", '<send ack_txn="invite"', 1)
        steps += ['  <nop next="end"/>', '  <label id="refused"/>', ack, '  <label id="end"/>']
    return _scenario("caller", steps)


def phone_answers(*, ring: int = 1000, speech: Path | None = None, hangup_after: int | None = None,
                  busy: bool = False, never_answer: bool = False) -> str:
    """An operator's (or a citizen's) phone: rings ``ring`` ms, answers and plays ``speech``; hangs up after
    ``hangup_after`` ms or waits for the BYE. ``busy``: 486; ``never_answer``: rings until CANCEL.

    The phone's own BYE belongs to the dialog the INVITE opened, seen from the callee: its From is the INVITE's
    To with the tag the phone answered with, its To the INVITE's From, and it goes to the INVITE's Contact (the
    switch's ACK carries none).

    A registered phone also gets the switch's voicemail NOTIFY (message-summary), and a gateway's address its
    OPTIONS pings, each as a call of its own: they are answered 200 and end there, so run such a phone with
    room for more than one call (``calls``)."""
    steps = ['  <recv request="NOTIFY" optional="true" next="notified"/>',
             '  <recv request="OPTIONS" optional="true" next="notified"/>',
             _INVITE_REMEMBERED if hangup_after is not None else '  <recv request="INVITE" crlf="true"/>',
             _reply("100 Trying")]
    notified = ['  <nop next="end"/>', '  <label id="notified"/>', _reply("200 OK"), '  <label id="end"/>']
    if busy:
        return _scenario("busy", steps + [_reply("486 Busy Here", tag=True), '  <recv request="ACK"/>', *notified])
    steps.append(_reply("180 Ringing", tag=True))
    if never_answer:
        return _scenario("no_answer", steps + ['  <recv request="CANCEL" timeout="180000"/>', _reply("200 OK"),
                                               _reply("487 Request Terminated", tag=True),
                                               '  <recv request="ACK"/>', *notified])
    steps += [_pause(ring), _reply("200 OK", sdp=True, tag=True), '  <recv request="ACK" rtd="true" crlf="true"/>']
    if speech is not None:
        steps.append(_play(speech))
    if hangup_after is None:
        return _scenario("answer", steps + _BYE_RECEIVED + notified)
    bye = _send("""BYE [$contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: [$callee];tag=[pid]SIPpTag01[call_number]
      To: [$caller]
      [last_Call-ID:]
      CSeq: 2 BYE
      Contact: <sip:phone@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0""")
    return _scenario("answer_then_bye", steps + [_pause(hangup_after), bye, '  <recv response="200"/>', *notified])


def register(user: str, password: str, domain: str, contact_port: int, expires: int = 600) -> str:
    """A softphone's REGISTER with digest authentication, naming ``contact_port`` (where its answering SIPp
    listens) as the contact; ``expires=0`` unregisters."""
    def request(cseq: int, auth: bool) -> str:
        authorization = f"\n      [authentication username={user} password={password}]" if auth else ""
        return _send(f"""REGISTER sip:{domain} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:{user}@{domain}>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{user}@{domain}>
      Call-ID: [call_id]
      CSeq: {cseq} REGISTER
      Contact: <sip:{user}@[local_ip]:{contact_port}>;expires={expires}{authorization}
      Max-Forwards: 70
      Expires: {expires}
      Content-Length: 0""", retrans=True)
    return _scenario("register", [request(1, False), '  <recv response="401" auth="true"/>', request(2, True),
                                  '  <recv response="200"/>'])


def phone_calls(user: str, password: str, domain: str, number: str, hangup_after: int) -> str:
    """A registered operator dialling ``number`` (a feature code) with digest authentication; hangs up after
    ``hangup_after`` ms unless the switch hangs up first."""
    auth = f"username={user} password={password}"
    ack_challenge = _send(f"""ACK sip:{number}@{domain} SIP/2.0
      [last_Via:]
      [last_From:]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:{user}@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0""")
    steps = [_invite(number, 1, user, domain), '  <recv response="100" optional="true"/>',
             '  <recv response="407" auth="true"/>', ack_challenge,
             _invite(number, 2, user, domain, auth), *_ANSWERED, _in_dialog("ACK", 2, number, user, domain),
             '  <recv request="BYE" timeout="' + str(hangup_after) + '" ontimeout="hangup"/>', _reply("200 OK"),
             '  <nop next="done"/>', '  <label id="hangup"/>', _in_dialog("BYE", 3, number, user, domain),
             '  <recv response="200" crlf="true"/>', '  <label id="done"/>']
    return _scenario("phone_calls", steps)
