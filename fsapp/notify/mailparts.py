"""What an inbound mail holds: a plain text for the desk, its HTML as sent, its attachments and the original.

Nothing is dropped: a mail written only in HTML is rendered to plain text for the operator (the desk shows text,
never the sender's HTML), and the original message and every attachment are kept as files with the contact
(:class:`fsapp.store.workitems.FileToKeep`). A mail with more attachments than allowed is refused with a
clear SMTP error, so its sender keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from fsapp.notify.errors import NotifyError
from fsapp.store.workitems import FileToKeep

TEXT_LIMIT = 100_000                 # characters of the plain text kept in the contact's body
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol",
           "pre", "hr", "section", "article", "header", "footer"}
_HIDDEN = {"script", "style", "head", "title", "template", "noscript"}


class TooManyFiles(NotifyError):
    """A mail carries more attachments than ``email.max_attachments``."""


@dataclass(frozen=True)
class MailContent:
    text: str                        # for the desk: text/plain, else the HTML rendered as text
    html: str                        # the HTML part as sent ("" when none)
    files: tuple[FileToKeep, ...]    # the original message first, then the attachments


class _TextOf(HTMLParser):
    """The words of an HTML document, blocks on their own lines; scripts, styles and the head left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of ``html``: the words only, one line per block, blank runs squeezed."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def mail_content(message: Message, raw: bytes, max_files: int) -> MailContent:
    """Text, HTML and files of a parsed ``message`` (``raw``: its bytes as received)."""
    plain, html = _body(message, "plain"), _body(message, "html")
    text = plain.strip() if plain.strip() else html_to_text(html)
    attachments = _attachments(message)
    if len(attachments) > max_files:
        raise TooManyFiles(f"too many attachments ({len(attachments)}; at most {max_files})")
    original = FileToKeep("message.eml", "message/rfc822", raw, kind="original")
    return MailContent(text[:TEXT_LIMIT], html, (original, *attachments))


def _body(message: Message, kind: str) -> str:
    if not isinstance(message, EmailMessage):
        return ""
    try:
        part = message.get_body(preferencelist=(kind,))
        return str(part.get_content()) if part is not None else ""
    except (LookupError, ValueError, TypeError, AttributeError):   # an unknown charset or a broken part
        return ""


def _attachments(message: Message) -> list[FileToKeep]:
    """Every leaf part that is not the text or HTML body shown (inline images included)."""
    bodies = set()
    if isinstance(message, EmailMessage):
        for kind in ("plain", "html"):
            try:
                found = message.get_body(preferencelist=(kind,))
            except (LookupError, ValueError, TypeError, AttributeError):
                found = None
            if found is not None:
                bodies.add(id(found))
    files = []
    for part in message.walk():
        if part.is_multipart() or id(part) in bodies:
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        try:
            name = part.get_filename() or ""
        except (ValueError, TypeError):   # a malformed header
            name = ""
        files.append(FileToKeep(name or f"part-{len(files) + 1}", part.get_content_type(), data))
    return files
