"""Putting a checked register into the store: departments and categories created or updated by code, the
guide's questions added or their answers changed. Nothing is deleted (cases keep their category)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from fsapp.register.loader import Register, load_register
from fsapp.store.workflow import FieldDefinition

log = logging.getLogger(__name__)


class RegisterStore(Protocol):
    def add_department(self, code: str, name: str, email: str | None = None) -> int: ...

    def add_category(self, code: str, name: str, department: str | None = None, *,
                     service_level_hours: float | None = None, description: str = "",
                     custom_fields: tuple[FieldDefinition, ...] = (), public: bool = True,
                     keywords: str = "", actor: str = "system") -> int: ...

    def set_guide_entry(self, category: str, question: str, answer: str, actor: str,
                        language: str = "nb") -> int: ...


def apply_register(store: RegisterStore, register: Register, actor: str = "register") -> dict[str, int]:
    """Write ``register`` to ``store``; returns how many departments, categories and guide entries it holds."""
    for department in register.departments:
        store.add_department(department.code, department.name, department.email)
    entries = 0
    for category in register.categories:
        store.add_category(category.code, category.name, category.department,
                           service_level_hours=category.deadline_days * 24 if category.deadline_days else None,
                           description=category.description, custom_fields=category.fields,
                           public=category.public, keywords=category.keywords, actor=actor)
        for language, pairs in category.guide.items():
            for question, answer in pairs:
                store.set_guide_entry(category.code, question, answer, actor, language)
                entries += 1
    return {"departments": len(register.departments), "categories": len(register.categories), "guide": entries}


def sync_register(store: RegisterStore, path: str | Path, actor: str = "register") -> dict[str, int] | None:
    """Apply the register file at ``path`` when it exists (None when it does not); raises RegisterError."""
    if not Path(path).exists():
        log.info("no register file %s: categories stay as the store has them", path)
        return None
    counts = apply_register(store, load_register(path), actor)
    log.info("register %s applied: %s", path, counts)
    return counts
