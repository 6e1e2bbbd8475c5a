"""Departments, categories (service levels, custom fields) and the reference guide of standard answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import NotFound
from fsapp.store.models import Category, Department, GuideEntry
from fsapp.store.workflow import FieldDefinition


class CatalogQueries(StoreBase):
    """What the city handles and who handles it."""

    @bound
    def add_department(self, code: str, name: str, email: str | None = None) -> int:
        """Create or update a department; returns its id."""
        department = Department.get_or_none(Department.code == code)
        if department is None:
            return Department.create(code=code, name=name, email=email).id
        Department.update(name=name, email=email).where(Department.id == department.id).execute()
        return department.id

    @bound
    def add_category(self, code: str, name: str, department: str | None = None, *,
                     service_level_hours: float | None = None, description: str = "",
                     custom_fields: Sequence[FieldDefinition] = (), public: bool = True,
                     keywords: str = "", actor: str = "system") -> int:
        """Create or update a category (by code); returns its id."""
        values: dict[str, Any] = dict(
            name=name, description=description, service_level_hours=service_level_hours,
            custom_fields=[f.to_dict() for f in custom_fields], public=public, keywords=keywords,
            department=self._department_id(department) if department else None)
        category = Category.get_or_none(Category.code == code)
        if category is None:
            category_id = Category.create(code=code, **values).id
            self.audit(actor, "create", "category", code)
            return category_id
        Category.update(**values).where(Category.id == category.id).execute()
        self.audit(actor, "update", "category", code)
        return category.id

    def _department_id(self, code: str) -> int:
        department = Department.get_or_none(Department.code == code)
        if department is None:
            raise NotFound(f"no department {code!r}")
        return department.id

    @bound
    def categories(self, public_only: bool = False) -> list[dict[str, Any]]:
        """Every category with its department code, service level and custom fields."""
        query = Category.select().order_by(Category.code)
        if public_only:
            query = query.where(Category.public == True)  # noqa: E712 (peewee expression)
        return [self._category_dict(c) for c in query]

    @bound
    def category(self, code: str) -> dict[str, Any]:
        """One category by code."""
        found = Category.get_or_none(Category.code == code)
        if found is None:
            raise NotFound(f"no category {code!r}")
        return self._category_dict(found)

    @staticmethod
    def _category_dict(category: Category) -> dict[str, Any]:
        return {"id": category.id, "code": category.code, "name": category.name,
                "department": category.department.code if category.department_id else None,
                "description": category.description, "service_level_hours": category.service_level_hours,
                "custom_fields": [FieldDefinition.from_dict(f) for f in category.custom_fields],
                "public": category.public, "keywords": category.keywords}

    @bound
    def set_guide_entry(self, category: str, question: str, answer: str, actor: str,
                        language: str = "nb") -> int:
        """Add or change the standard answer to a standard question of a category."""
        category_id = self.category(category)["id"]
        entry = GuideEntry.get_or_none(GuideEntry.category == category_id, GuideEntry.question == question,
                                       GuideEntry.language == language)
        now = self.clock()
        if entry is None:
            entry_id = GuideEntry.create(category=category_id, question=question, answer=answer,
                                         language=language, updated_by=actor, updated_at=now).id
        else:
            GuideEntry.update(answer=answer, updated_by=actor, updated_at=now).where(
                GuideEntry.id == entry.id).execute()
            entry_id = entry.id
        self.audit(actor, "update", "guide", entry_id, f"{category}: {question}")
        return entry_id

    @bound
    def guide(self, category: str, language: str = "nb") -> list[tuple[str, str]]:
        """The standard questions and answers of a category, in ``language``."""
        category_id = self.category(category)["id"]
        query = (GuideEntry.select().where(GuideEntry.category == category_id, GuideEntry.language == language)
                 .order_by(GuideEntry.id))
        return [(e.question, e.answer) for e in query]
