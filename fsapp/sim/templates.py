"""Channel variables as FreeSWITCH 1.10 sets them on a sofia channel, in the order it sets them.

Each function returns ``(name, value)`` pairs to append to a channel's variables at one step of its
life: an inbound call arriving, media coming up, an originated leg being created, ringing, answering,
hanging up. The values follow the recorded calls; only identifiers, numbers and times vary.
"""

from __future__ import annotations

import random
from datetime import datetime

Pairs = list[tuple[str, str]]

PROFILE = "test"
SWITCH_SIP = "127.0.0.1:5080"
PEER_HOST = "127.0.0.1"
Q850 = {"NORMAL_CLEARING": "16", "USER_BUSY": "17", "NO_ANSWER": "19", "NORMAL_TEMPORARY_FAILURE": "41",
        "ORIGINATOR_CANCEL": "487", "USER_NOT_REGISTERED": "606", "CALL_REJECTED": "21",
        "NO_USER_RESPONSE": "18", "RECOVERY_ON_TIMER_EXPIRE": "102", "MANAGER_REQUEST": "16"}


def _sdp(user: str, port: int, codecs: str) -> str:
    return (f"v=0\r\no={user} 53655765 2353687637 IN IP4 {PEER_HOST}\r\ns=-\r\nc=IN IP4 {PEER_HOST}\r\n"
            f"t=0 0\r\nm=audio {port} RTP/AVP {codecs} 101\r\na=rtpmap:8 PCMA/8000\r\n"
            f"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n")


def _local_sdp(port: int, pt: str, codec: str) -> str:
    stamp = random.randint(1_700_000_000, 1_800_000_000)
    return (f"v=0\r\no=FreeSWITCH {stamp} {stamp + 1} IN IP4 127.0.0.1\r\ns=FreeSWITCH\r\n"
            f"c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {port} RTP/AVP {pt} 101\r\na=rtpmap:{pt} {codec}/8000\r\n"
            f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n")


def inbound_call(uuid: str, caller: str, dest: str, session_id: int, created_us: int, port: int) -> Pairs:
    """An INVITE from ``caller`` to ``dest`` arriving on the sofia profile."""
    tag = f"{random.randint(10000, 99999)}SIPpTag00{session_id % 10}"
    peer = f"{PEER_HOST}:{port}"
    return [
        ("direction", "inbound"), ("uuid", uuid), ("session_id", str(session_id)),
        ("sip_from_user", caller), ("sip_from_port", str(port)), ("sip_from_uri", f"{caller}@{peer}"),
        ("sip_from_host", PEER_HOST), ("video_media_flow", "disabled"), ("audio_media_flow", "disabled"),
        ("text_media_flow", "disabled"), ("channel_name", f"sofia/{PROFILE}/{caller}@{peer}"),
        ("sip_call_id", f"{session_id}-{random.randint(1000, 99999)}@{PEER_HOST}"),
        ("sip_local_network_addr", "127.0.0.1"), ("sip_network_ip", PEER_HOST),
        ("sip_network_port", str(port)), ("sip_invite_stamp", str(created_us)),
        ("sip_received_ip", PEER_HOST), ("sip_received_port", str(port)), ("sip_via_protocol", "udp"),
        ("sip_from_user_stripped", caller), ("sip_from_tag", tag), ("sofia_profile_name", PROFILE),
        ("sofia_profile_url", f"sip:mod_sofia@{SWITCH_SIP}"), ("recovery_profile_name", PROFILE),
        ("sip_full_via", f"SIP/2.0/UDP {peer};branch=z9hG4bK-{random.randint(1000, 99999)}-1-0"),
        ("sip_from_display", caller), ("sip_full_from", f'"{caller}" <sip:{caller}@{peer}>;tag={tag}'),
        ("sip_full_to", f"<sip:{dest}@{SWITCH_SIP}>"), ("sip_req_user", dest), ("sip_req_port", "5080"),
        ("sip_req_uri", f"{dest}@{SWITCH_SIP}"), ("sip_req_host", "127.0.0.1"), ("sip_to_user", dest),
        ("sip_to_port", "5080"), ("sip_to_uri", f"{dest}@{SWITCH_SIP}"), ("sip_to_host", "127.0.0.1"),
        ("sip_contact_user", caller), ("sip_contact_port", str(port)),
        ("sip_contact_uri", f"{caller}@{peer}"), ("sip_contact_host", PEER_HOST),
        ("rtp_use_codec_string", "PCMU,PCMA,OPUS,G722"), ("sip_via_host", PEER_HOST),
        ("sip_via_port", str(port)), ("max_forwards", "70"),
        ("switch_r_sdp", _sdp(caller, 6000, "8 0")),
        ("ep_codec_string", "CORE_PCM_MODULE.PCMA@8000h@20i@64000b,CORE_PCM_MODULE.PCMU@8000h@20i@64000b"),
        ("endpoint_disposition", "DELAYED NEGOTIATION"), ("call_uuid", uuid),
    ]


def media_up(codec: str, pt: str, local_port: int, remote_port: int, disposition: str) -> Pairs:
    """RTP negotiated: set at CHANNEL_PROGRESS_MEDIA (inbound answer) or CHANNEL_ANSWER (originate)."""
    return [
        ("remote_video_media_flow", "inactive"), ("remote_text_media_flow", "inactive"),
        ("remote_audio_media_flow", "sendrecv"), ("audio_media_flow", "sendrecv"), ("rtp_audio_recv_pt", pt),
        ("rtp_use_codec_name", codec), ("rtp_use_codec_rate", "8000"), ("rtp_use_codec_ptime", "20"),
        ("rtp_use_codec_channels", "1"), ("rtp_last_audio_codec_string", f"{codec}@8000h@20i@1c"),
        ("read_codec", codec), ("original_read_codec", codec), ("read_rate", "8000"),
        ("original_read_rate", "8000"), ("write_codec", codec), ("write_rate", "8000"),
        ("dtmf_type", "rfc2833"), ("local_media_ip", "127.0.0.1"), ("local_media_port", str(local_port)),
        ("advertised_media_ip", "127.0.0.1"), ("rtp_use_timer_name", "soft"), ("rtp_use_pt", pt),
        ("rtp_use_ssrc", str(random.randint(1_000_000_000, 4_000_000_000))),
        ("rtp_2833_send_payload", "101"), ("rtp_2833_recv_payload", "101"),
        ("remote_media_ip", PEER_HOST), ("remote_media_port", str(remote_port)),
        ("endpoint_disposition", disposition),
    ]


def local_sdp(local_port: int, codec: str, pt: str) -> Pairs:
    return [("rtp_local_sdp_str", _local_sdp(local_port, pt, codec))]


def outbound_leg(uuid: str, target: str, dial: str, session_id: int, local_port: int,
                 origination: Pairs) -> Pairs:
    """An originated sofia leg at CHANNEL_CREATE; ``origination`` holds the ``{...}`` variables."""
    user, _, host = target.partition("@")
    host = host or PEER_HOST
    pairs: Pairs = [
        ("direction", "outbound"), ("is_outbound", "true"), ("uuid", uuid), ("call_uuid", uuid),
        ("session_id", str(session_id)), ("sip_local_network_addr", "127.0.0.1"),
        ("sip_profile_name", PROFILE), ("video_media_flow", "disabled"), ("text_media_flow", "disabled"),
        ("channel_name", dial), ("sip_destination_url", f"sip:{user}@{host}"),
    ]
    pairs += origination
    pairs += [
        ("originate_early_media", "true"), ("originate_endpoint", dial.split("/", 1)[0]),
        ("rtp_use_codec_string", "PCMU,PCMA,OPUS,G722"), ("local_media_ip", "127.0.0.1"),
        ("local_media_port", str(local_port)), ("advertised_media_ip", "127.0.0.1"),
        ("audio_media_flow", "sendrecv"), ("rtp_local_sdp_str", _local_sdp(local_port, "0", "PCMU")),
        ("sip_outgoing_contact_uri", f"<sip:mod_sofia@{SWITCH_SIP}>"), ("sip_req_uri", f"{user}@{host}"),
        ("sip_to_host", host), ("sip_from_host", "127.0.0.1"), ("sofia_profile_name", PROFILE),
        ("recovery_profile_name", PROFILE), ("sofia_profile_url", f"sip:mod_sofia@{SWITCH_SIP}"),
    ]
    return pairs


def outbound_reply(target: str, caller_number: str) -> Pairs:
    """The callee's first reply (180 or a failure) on an originated leg."""
    user, _, host = target.partition("@")
    address, _, port = (host or f"{PEER_HOST}:5060").partition(":")
    tag = f"{random.randint(10000, 99999)}SIPpTag01{random.randint(0, 9)}"
    return [
        ("sip_reply_host", address), ("sip_reply_port", port or "5060"), ("sip_network_ip", address),
        ("sip_network_port", port or "5060"),
        ("sip_full_from", f"<sip:{caller_number}@127.0.0.1>;tag=S{random.randint(100, 999)}SK2XvFp3N"),
        ("sip_full_to", f"<sip:{user}@{host}>;tag={tag}"), ("sip_from_user", caller_number),
        ("sip_from_uri", f"{caller_number}@127.0.0.1"), ("sip_to_user", user), ("sip_to_port", port),
        ("sip_to_uri", f"{user}@{host}"), ("sip_to_host", address), ("sip_to_tag", tag),
        ("sip_cseq", str(random.randint(1_000_000, 200_000_000))),
        ("sip_call_id", f"{random.getrandbits(32):08x}-615c-1240-ffbf-ba13006e35aa"),
    ]


FAILURES = {
    "USER_BUSY": [("sip_hangup_disposition", "recv_refuse"), ("sip_invite_failure_status", "486"),
                  ("sip_invite_failure_phrase", "Busy Here"), ("sip_term_status", "486"),
                  ("proto_specific_hangup_cause", "sip:486"), ("sip_term_cause", "17")],
    "NO_ANSWER": [("sip_hangup_disposition", "send_cancel")],
    "NORMAL_TEMPORARY_FAILURE": [("sip_hangup_disposition", "send_refuse"),
                                 ("sip_invite_failure_status", "503"),
                                 ("sip_invite_failure_phrase", "Service Unavailable"),
                                 ("sip_term_status", "503"), ("proto_specific_hangup_cause", "sip:503"),
                                 ("sip_term_cause", "41")],
}


def _stamp(micros: int) -> str:
    return datetime.fromtimestamp(micros / 1_000_000).strftime("%Y-%m-%d %H:%M:%S")


def hangup_complete(cause: str, times: dict[str, int], end_us: int, last_app: str | None,
                    last_arg: str | None, caller_id: str, digits: str) -> Pairs:
    """The CDR variables FreeSWITCH adds at CHANNEL_HANGUP_COMPLETE."""
    start, answer = times["created"], times.get("answered", 0)
    progress, media = times.get("progress", 0), times.get("progress_media", 0)
    bridge = times.get("bridged", 0)
    pairs: Pairs = [("hangup_cause", cause), ("hangup_cause_q850", Q850.get(cause, "16")),
                    ("digits_dialed", digits or "none"), ("start_stamp", _stamp(start)),
                    ("profile_start_stamp", _stamp(start))]
    if answer:
        pairs.append(("answer_stamp", _stamp(answer)))
    if progress:
        pairs.append(("progress_stamp", _stamp(progress)))
    if media:
        pairs.append(("progress_media_stamp", _stamp(media)))
    pairs.append(("end_stamp", _stamp(end_us)))
    for name, value in (("start", start), ("profile_start", start), ("answer", answer), ("bridge", bridge),
                        ("last_hold", 0), ("hold_accum", None), ("resurrect", 0), ("progress", progress),
                        ("progress_media", media), ("end", end_us)):
        if value is None:
            pairs += [("hold_accum_seconds", "0"), ("hold_accum_usec", "0"), ("hold_accum_ms", "0")]
            continue
        pairs += [(f"{name}_epoch", str(value // 1_000_000)), (f"{name}_uepoch", str(value))]
    if last_app:
        pairs += [("last_app", last_app), ("last_arg", last_arg or "")]
    pairs.append(("caller_id", caller_id))
    total = end_us - start
    billed = end_us - answer if answer else 0
    answer_wait = answer - start if answer else 0
    progress_wait = progress - start if progress else 0
    media_wait = media - start if media else 0
    spans = (("duration", total), ("billsec", billed), ("progresssec", progress_wait),
             ("answersec", answer_wait), ("waitsec", 0), ("progress_mediasec", media_wait),
             ("flow_billsec", total))
    pairs += [(name, str(value // 1_000_000)) for name, value in spans]
    pairs += [(_unit(name, "msec"), str(value // 1000)) for name, value in spans]
    pairs += [(_unit(name, "usec"), str(value)) for name, value in spans]
    return pairs


def _unit(name: str, unit: str) -> str:
    if name == "duration":
        return "m" + name if unit == "msec" else "u" + name
    return name[:-3] + unit
