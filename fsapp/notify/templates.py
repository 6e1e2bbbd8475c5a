"""Notice texts as jinja2 templates per language: ``<dir>/<language>/<name>.txt``, first line ``Subject: ...``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from fsapp.notify.errors import TemplateMissing

BUILTIN_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Notice:
    """A rendered notice: the subject is for e-mail, SMS sends only the body."""

    subject: str
    body: str


class NoticeTemplates:
    """Finds and renders notice templates, falling back to ``default_language``."""

    def __init__(self, directory: str | Path = BUILTIN_DIR, default_language: str = "nb") -> None:
        self.default_language = default_language
        self.environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(directory)),
                                              undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                                              autoescape=False)

    def render(self, name: str, language: str, context: dict[str, Any]) -> Notice:
        """The notice ``name`` in ``language`` (or the default language) filled with ``context``."""
        for candidate in dict.fromkeys((language, self.default_language)):
            try:
                template = self.environment.get_template(f"{candidate}/{name}.txt")
            except jinja2.TemplateNotFound:
                continue
            return _split(template.render(**context))
        raise TemplateMissing(f"no template {name!r} in {language!r} or {self.default_language!r}")


def _split(text: str) -> Notice:
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return Notice(first.split(":", 1)[1].strip(), rest.strip() + "\n")
    return Notice("", text.strip() + "\n")
