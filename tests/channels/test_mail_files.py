"""Inbound HTML mail and attachments: the desk gets plain text, the HTML and the original are kept, every
attachment is kept as a file with the contact under a name fsapp makes; a mail with too many files is refused
with a clear SMTP error (its sender keeps it)."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.notify.mailparts import TooManyFiles, html_to_text, mail_content
from fsapp.store.workitems import shown_name, stored_name
from tests.api.api_waits import WAIT
from tests.api.conftest import free_port
from tests.channels.conftest import off_hub

HTML = ('<html><head><title>t</title><style>p{color:red}</style><script>alert("x")</script></head><body>'
        '<p>The <b>streetlight</b> on Storgata&nbsp;1 is out.</p><div>Since Monday &lt;really&gt;</div>'
        '<img src="http://tracker.example/pixel.gif" onerror="alert(2)"></body></html>')
HOSTILE_NAME = '../../etc/passwd\u202e<img src=x onerror=alert(1)>.PDF'


def html_mail(files: int = 1, plain: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "kari@example.no", "post@city.example", "Light out"
    if plain is not None:
        message.set_content(plain)
        message.add_alternative(HTML, subtype="html")
    else:
        message.set_content(HTML, subtype="html")
    for number in range(files):
        message.add_attachment(b"%PDF-1.4 " + bytes([number]), maintype="application", subtype="pdf",
                               filename=HOSTILE_NAME if number == 0 else f"photo{number}.jpg")
    return message


def parsed(message: EmailMessage) -> tuple[EmailMessage, bytes]:
    raw = message.as_bytes()
    return message_from_bytes(raw, policy=policy.default), raw   # type: ignore[return-value]


def test_an_html_only_mail_becomes_plain_text_for_the_desk() -> None:
    content = mail_content(*parsed(html_mail(files=0)), max_files=5)
    assert content.text == "The streetlight on Storgata 1 is out.\n\nSince Monday <really>"
    assert "alert" not in content.text and "color" not in content.text and "<script>" in content.html
    assert [f.kind for f in content.files] == ["original"]


def test_the_plain_part_is_preferred_and_attachments_are_kept_with_the_original() -> None:
    message = html_mail(files=2, plain="Plain words")
    content = mail_content(*parsed(message), max_files=5)
    assert content.text == "Plain words" and "streetlight" in content.html
    original, first, second = content.files
    assert original.kind == "original" and original.data == message.as_bytes()
    assert (first.filename, first.content_type, first.data) == (HOSTILE_NAME, "application/pdf", b"%PDF-1.4 \x00")
    assert second.filename == "photo1.jpg"


def test_more_files_than_allowed_are_refused() -> None:
    with pytest.raises(TooManyFiles, match="at most 2"):
        mail_content(*parsed(html_mail(files=3)), max_files=2)


def test_names_are_made_by_fsapp_and_shown_names_are_cleaned() -> None:
    assert shown_name(HOSTILE_NAME) == "passwd<img src=x onerror=alert(1)>.PDF"   # shown escaped by the desk
    assert shown_name("..\\..\\boot.ini") == "boot.ini" and shown_name("\x00\x01") == "file"
    assert stored_name(1, "ab" * 32, HOSTILE_NAME) == "01-abababababababab.pdf"
    assert stored_name(2, "cd" * 32, "x.tar.gz;rm -rf") == "02-cdcdcdcdcdcdcdcd"
    assert html_to_text("<p>a<script>b</script>c</p><p>d</p>") == "ac\n\nd"


def _send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=WAIT) as client:
        client.send_message(message)


def test_a_mail_with_files_is_kept_with_them_and_waits_in_its_queue(make_controller: Callable[..., Controller],
                                                                      tmp_path: Path) -> None:
    port = free_port()
    controller = make_controller(**{"email.listen": "127.0.0.1", "email.port": port, "email.queue": "roads",
                                    "email.max_attachments": 2})
    off_hub(_send, port, html_mail(files=2))
    [item] = controller.channels.desk.waiting("roads")
    contact = controller.store.interaction(item.interaction_id)
    assert contact["body"].startswith("The streetlight on Storgata 1 is out.")
    files = controller.store.contact_files(item.interaction_id)
    assert [f["kind"] for f in files] == ["original", "attachment", "attachment"]
    for kept in files:
        path = Path(kept["path"])
        assert path.is_file() and path.parent == tmp_path / "attachments" / "contacts" / str(item.interaction_id)
        assert path.stat().st_mode & 0o077 == 0
    assert files[1]["filename"] == "passwd<img src=x onerror=alert(1)>.PDF" and files[1]["size"] == 10
    assert controller.store.read_contact_file(files[1]["id"]) == b"%PDF-1.4 \x00"
    assert b"streetlight" in controller.store.read_contact_file(files[0]["id"])

    with pytest.raises(smtplib.SMTPDataError) as refused:
        off_hub(_send, port, html_mail(files=3))
    assert refused.value.smtp_code == 552 and b"at most 2" in refused.value.smtp_error
    assert len(controller.channels.desk.waiting("roads")) == 1


def test_erasing_the_citizen_removes_the_files_of_their_mail(make_controller: Callable[..., Controller]) -> None:
    port = free_port()
    controller = make_controller(**{"email.listen": "127.0.0.1", "email.port": port})
    kari = controller.store.add_citizen("Kari", [], email="kari@example.no")
    off_hub(_send, port, html_mail(files=1))
    [contact] = controller.store.interactions(citizen_id=kari.id)
    paths = [Path(f["path"]) for f in controller.store.contact_files(contact["id"])]
    assert len(paths) == 2 and all(p.exists() for p in paths)
    controller.store.erase_citizen(kari.id, "dpo")
    assert controller.store.contact_files(contact["id"]) == [] and not any(p.exists() for p in paths)
