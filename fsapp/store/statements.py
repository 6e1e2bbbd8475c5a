"""Hot statements whose SQL peewee builds once per database, then runs with each call's values.

Building one INSERT's SQL costs peewee about 0.2 ms of Python (a query tree walked field by field), several
times what SQLite takes to run it; a finished call writes two such rows. :func:`insert_row` names every
column of the table (a value not given is the field's default, else NULL: what peewee's own INSERT stores),
so the SQL is one text per table and only the values change::

    call_id = insert_row(Call, {"call_uuid": uuid, "direction": "in", ...})   # as Call.insert(...).execute()
    call_id = first_value(Call.id, Call.call_uuid, uuid)     # as Call.select(Call.id).where(...).scalar()

The values pass through each field's ``db_value`` exactly as peewee's query would pass them, and the row's
id comes back as peewee returns it (``RETURNING`` where the database has it).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

import peewee as pw

_Prepared = tuple[str, list[pw.Field], bool]   # SQL, its columns, whether it returns the new id
_SELECTS: weakref.WeakKeyDictionary[pw.Database, dict[tuple[pw.Field, pw.Field], str]] = weakref.WeakKeyDictionary()
_PREPARED: weakref.WeakKeyDictionary[pw.Database, dict[type[pw.Model], _Prepared]] = weakref.WeakKeyDictionary()


def row_values(model: type[pw.Model], values: Mapping[str, Any]) -> list[Any]:
    """Every column's value for a new row of ``model``, in its field order (the primary key left out)."""
    unknown = set(values) - set(model._meta.fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    row = []
    for field in _columns(model):
        if field.name in values:
            row.append(values[field.name])
        elif field.default is not None:
            row.append(field.default() if callable(field.default) else field.default)
        else:
            row.append(None)
    return row


def insert_row(model: type[pw.Model], values: Mapping[str, Any]) -> int:
    """``model.insert(**values).execute()``, without building the SQL again: the new row's id."""
    database = model._meta.database
    sql, fields, returning = _prepared(model, database)
    params = [field.db_value(value) for field, value in zip(fields, row_values(model, values))]
    cursor = database.execute_sql(sql, params)
    if returning:
        return cursor.fetchone()[0]  # type: ignore[no-any-return]
    return cursor.lastrowid  # type: ignore[no-any-return]


def first_value(column: pw.Field, where: pw.Field, value: Any) -> Any:
    """``column`` of the first row whose ``where`` equals ``value`` (None without one), as
    ``select(column).where(where == value).scalar()`` answers, without building the SQL again."""
    database = column.model._meta.database
    selects = _SELECTS.setdefault(database, {})
    sql = selects.get((column, where))
    if sql is None:
        template = column.model.select(column).where(where == value)
        sql = selects[(column, where)] = database.get_sql_context().sql(template).query()[0]
    cursor = database.execute_sql(sql, [where.db_value(value)])
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    return None if row is None else column.python_value(row[0])


def _columns(model: type[pw.Model]) -> list[pw.Field]:
    fields = model._meta.sorted_fields
    return [field for field in fields if not (field.primary_key and model._meta.auto_increment)]


def _prepared(model: type[pw.Model], database: pw.Database) -> _Prepared:
    tables = _PREPARED.setdefault(database, {})
    prepared = tables.get(model)
    if prepared is None:
        fields = _columns(model)
        template = model.insert_many([[None] * len(fields)], fields=fields)
        if template._returning is None and database.returning_clause:   # as peewee's Insert._execute
            returning = template._pk_returning()
            if returning:
                template._returning = returning
                template._row_type = pw.ROW.TUPLE
        sql, _ = database.get_sql_context().sql(template).query()
        prepared = tables[model] = (sql, fields, bool(template._returning))
    return prepared
