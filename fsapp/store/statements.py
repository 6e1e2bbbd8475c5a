"""Hot INSERTs whose SQL peewee builds once per database and table, then runs with each row's values.

Building one INSERT's SQL costs peewee about 0.2 ms of Python (a query tree walked field by field), several
times what SQLite takes to run it; a finished call writes two such rows. :func:`insert_row` names every
column of the table (a value not given is the field's default, else NULL: what peewee's own INSERT stores),
so the SQL is one text per table and only the values change::

    call_id = insert_row(Call, {"call_uuid": uuid, "direction": "in", ...})   # as Call.insert(...).execute()

The values pass through each field's ``db_value`` exactly as peewee's query would pass them, and the row's
id comes back as peewee returns it (``RETURNING`` where the database has it).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import Any

import peewee as pw

_Prepared = tuple[str, list[pw.Field], bool]   # SQL, its columns, whether it returns the new id
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
