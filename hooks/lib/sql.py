"""Prepared SQL for the hot paths (publishing, claiming, recording attempts).

Every hand-written statement of the event path is here, behind a named operation; the
models come in as arguments (this layer sits below hooks.models).

The same SQL and database values the ORM would produce (Field.get_db_prep_save), built
without its query compiler, which costs ~0.2 ms a statement here. On SQLite a transaction
holds the database's single write lock from BEGIN IMMEDIATE, so compiling inside it stalls
every other writer; bench/README.md records what each use measured.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from django.db import connection, connections


def backend():
    """The current connection's backend itself (not the per-access proxy)."""
    return connections[connection.alias]


def insert_head(model, names: tuple[str, ...]) -> str:
    """INSERT INTO model's table (the named fields' columns)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns})"


def insert_sql(model, names: tuple[str, ...]) -> str:
    """INSERT INTO model's table (the named fields' columns) VALUES (%s, ...)."""
    return f"{insert_head(model, names)} VALUES ({', '.join(['%s'] * len(names))})"


def _insert_fields(model) -> list:
    meta = model._meta
    return [field for field in meta.concrete_fields if field is not meta.pk]


def insert_values(obj, db=None, fields: list | None = None) -> list:
    """obj's database values for `fields` (default: every column but the primary key), as
    save() prepares them."""
    db = db or backend()
    return [
        field.get_db_prep_save(field.pre_save(obj, add=True), db)
        for field in fields or _insert_fields(type(obj))
    ]


def insert_many(
    objs: list, values: list | None = None, *, key: str, names: tuple[str, ...] | None = None
) -> None:
    """Save new `objs` of one model and set their primary keys.

    `names` are the fields written (default: every concrete field but the primary key) and
    `values` their prepared values per object (default: prepared here). One multi-row
    INSERT ... RETURNING where the database can (SQLite >= 3.35, PostgreSQL), otherwise
    save() one by one. RETURNING rows may come back in any order, so each is matched to
    its object by `key`, a field whose value is unique among `objs`.
    """
    if not objs:
        return
    db = backend()
    if not db.features.can_return_rows_from_bulk_insert:
        for obj in objs:
            obj.save(force_insert=True)
        return
    model = type(objs[0])
    meta = model._meta
    fields = [meta.get_field(name) for name in names] if names else _insert_fields(model)
    if values is None:
        values = [insert_values(obj, db, fields) for obj in objs]
    position = [field.name for field in fields].index(meta.get_field(key).name)
    quote = db.ops.quote_name
    per_statement = max(1, (db.features.max_query_params or 30_000) // len(fields))
    head = insert_head(model, tuple(field.name for field in fields))
    returning = f"RETURNING {quote(meta.get_field(key).column)}, {quote(meta.pk.column)}"
    row_marks = f"({', '.join(['%s'] * len(fields))})"
    pks: dict = {}
    with db.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = values[start : start + per_statement]
            marks = ", ".join([row_marks] * len(chunk))
            cursor.execute(
                f"{head} VALUES {marks} {returning}", [value for row in chunk for value in row]
            )
            pks.update(cursor.fetchall())
    for obj, row in zip(objs, values, strict=True):
        obj.pk = pks[row[position]]
        obj._state.adding = False
        obj._state.db = db.alias


def update_sql(model, names: tuple[str, ...]) -> str:
    """UPDATE model's table SET the named fields = %s ... WHERE pk = %s."""
    meta = model._meta
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"


def update_params(model, pk, values: dict, db=None) -> list:
    """The parameters of update_sql(model, tuple(values)) for the row `pk`."""
    db = db or backend()
    meta = model._meta
    params = [meta.get_field(name).get_db_prep_save(value, db) for name, value in values.items()]
    return [*params, meta.pk.get_db_prep_save(pk, db)]


def update(model, pk, **values) -> tuple[str, list]:
    """model.objects.filter(pk=pk).update(**values) as prepared SQL (run with execute())."""
    return update_sql(model, tuple(values)), update_params(model, pk, values)


def execute(prepared: tuple[str, list]) -> int:
    """Run prepared SQL; return the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(*prepared)
        return cursor.rowcount


def execute_many(sql: str, params: Sequence[Sequence]) -> int:
    """Run one prepared statement for every parameter list; return the rows changed."""
    if not params:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return cursor.rowcount


def insert_rows(model, names: tuple[str, ...], rows: Sequence[Sequence]) -> None:
    """INSERT `rows` (the named fields' database values, already prepared) into model's
    table, one statement run for every row; no primary keys come back."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(insert_sql(model, names), rows)


def set_where_null(model, field: str, value, pks: Sequence) -> int:
    """Compare-and-set: UPDATE model's table SET `field` = value for those rows of `pks`
    whose `field` is still NULL; return how many (the rows taken)."""
    if not pks:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    column = quote(meta.get_field(field).column)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {column} = %s"
        f" WHERE {quote(meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})"
        f" AND {column} IS NULL"
    )
    return execute((sql, [value, *pks]))


def sqlite_oldest_unclaimed(
    outbox, event, hook, *, index: str, hook_id, status: str, verification: str, limit: int
) -> list[tuple]:
    """SQLite: (entry id, event published, event id, event data as stored) of the oldest
    `outbox` entries of one hook not yet claimed (`delivery` NULL), none unless the hook's
    `status` and `verification_status` are the given ones; read through the partial
    `index` of unclaimed entries (INDEXED BY).

    Without ANALYZE statistics SQLite's planner prefers the foreign key's plain hook_id
    index and walks every entry the hook ever had: a claim then costs ~10 ms per 60,000
    delivered events, inside the write lock. The partial index holds only unclaimed ones.
    `published` stays SQLite's text (it sorts as the time).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _sqlite_oldest_unclaimed_sql(outbox, event, hook, index),
            [hook_id, status, verification, limit],
        )
        return cursor.fetchall()


@functools.cache
def _sqlite_oldest_unclaimed_sql(outbox, event, hook, index: str) -> str:
    """The ORM's query of that read plus INDEXED BY."""
    assert any(i.name == index for i in outbox._meta.indexes), index
    q = connection.ops.quote_name
    entry, event, hook = (model._meta for model in (outbox, event, hook))

    def col(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    return (
        f"SELECT m.{col(entry, 'id')}, e.{col(event, 'published')}, e.{col(event, 'id')},"
        f" e.{col(event, 'data')} FROM {q(entry.db_table)} m INDEXED BY {q(index)}"
        f" JOIN {q(event.db_table)} e ON e.{col(event, 'id')} = m.{col(entry, 'event')}"
        f" JOIN {q(hook.db_table)} h ON h.{col(hook, 'id')} = m.{col(entry, 'hook')}"
        f" WHERE m.{col(entry, 'hook')} = %s AND m.{col(entry, 'delivery')} IS NULL"
        f" AND h.{col(hook, 'status')} = %s AND h.{col(hook, 'verification_status')} = %s"
        f" ORDER BY m.{col(entry, 'id')} LIMIT %s"
    )


def sqlite_has_unclaimed(outbox, *, index: str, hook_id) -> bool:
    """SQLite: whether `outbox` has an entry of the hook not yet claimed, read through the
    partial `index` of unclaimed entries (INDEXED BY, for the reason given above: the
    plain hook_id index would walk every entry the hook ever had when none waits)."""
    assert any(i.name == index for i in outbox._meta.indexes), index
    q = connection.ops.quote_name
    meta = outbox._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {q(meta.db_table)} INDEXED BY {q(index)}"
            f" WHERE {q(meta.get_field('hook').column)} = %s"
            f" AND {q(meta.get_field('delivery').column)} IS NULL LIMIT 1",
            [hook_id],
        )
        return cursor.fetchone() is not None


def get_by_pk(model, pk):
    """model.objects.filter(pk=pk).first(), without the query compiler (~0.3 ms a call).

    Values go through the same converters the compiler applies (the backend's, then the
    field's from_db_value), so the instance is the one the ORM would return.
    """
    db = backend()
    sql, fields, converters = _select_by_pk(model, db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, [model._meta.pk.get_db_prep_value(pk, db)])
        row = cursor.fetchone()
    if row is None:
        return None
    return _instance(model, db, fields, converters, row)


def select_equal(model, names: tuple[str, ...], **equal) -> list:
    """list(model.objects.filter(**equal).only(*names)) in the model's ordering, without the
    query compiler: `equal` maps field names to the values they must equal. The instances
    are those the ORM would return (the fields not named are deferred)."""
    db = backend()
    sql, fields, converters = _select_equal(model, names, tuple(equal), db.vendor)
    params = [model._meta.get_field(name).get_db_prep_value(equal[name], db) for name in equal]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_instance(model, db, fields, converters, row) for row in rows]


def json_value(field, value, text: str, db=None):
    """The database value of JSONField `field` holding `value`, whose JSON text is `text`:
    the text itself on SQLite, which stores JSON as text (the ORM would json.dumps `value`
    again), else field.get_db_prep_save (PostgreSQL's jsonb takes an adapter)."""
    db = db or backend()
    if db.vendor == "sqlite":
        return text
    return field.get_db_prep_save(value, db)


def present_values(model, name: str, values: Sequence) -> set:
    """set(model.objects.filter(<name>__in=values).values_list(name, flat=True)) without the
    query compiler (~0.5 ms for 100 values), for a field whose values need no conversion
    (a CharField: str in, str out)."""
    db = backend()
    quote = db.ops.quote_name
    column, table = quote(model._meta.get_field(name).column), quote(model._meta.db_table)
    per_statement = db.features.max_query_params or 30_000
    found: set = set()
    with db.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", chunk)
            found.update(value for (value,) in cursor.fetchall())
    return found


def _instance(model, db, fields: list, converters: list, row: Sequence):
    values = []
    for (column, convert_all), value in zip(converters, row, strict=True):
        for convert in convert_all:
            value = convert(value, column, db)
        values.append(value)
    return model.from_db(db.alias, [field.attname for field in fields], values)


def _converters(model, db, fields: list) -> list:
    """(column, the converters the compiler would apply to it) of each field."""
    converters = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        converters.append((column, db.ops.get_db_converters(column) + column.get_db_converters(db)))
    return converters


@functools.cache
def _select_by_pk(model, vendor: str) -> tuple[str, list, list]:
    db = backend()
    meta = model._meta
    quote = db.ops.quote_name
    fields = list(meta.concrete_fields)
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"
    return sql, fields, _converters(model, db, fields)


@functools.cache
def _select_equal(
    model, names: tuple[str, ...], conditions: tuple[str, ...], vendor: str
) -> tuple[str, list, list]:
    db = backend()
    meta = model._meta
    quote = db.ops.quote_name
    # The primary key always comes, as with only(); then the named fields in model order.
    wanted = {meta.pk.name, *names}
    fields = [field for field in meta.concrete_fields if field.name in wanted]
    columns = ", ".join(quote(field.column) for field in fields)
    where = " AND ".join(f"{quote(meta.get_field(name).column)} = %s" for name in conditions)
    order = ", ".join(
        f"{quote(meta.get_field(name.lstrip('-')).column)}{' DESC' if name[0] == '-' else ''}"
        for name in meta.ordering
    )
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where}"
    return (sql + (f" ORDER BY {order}" if order else "")), fields, _converters(model, db, fields)


def insert_or_take_expired(model, values: dict, *, key: tuple[str, ...], expiry: str, now) -> int:
    """Compare-and-set of a lease row: INSERT `values`; where a row with the same `key`
    fields exists, overwrite it only if its `expiry` field is before `now`. Return 1 when
    the row is now ours, 0 when another holder's lease still runs (one statement: no
    window between a read and a write for another taker to slip into)."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in values]
    columns = [quote(field.column) for field in fields]
    table = quote(meta.db_table)
    expires = meta.get_field(expiry)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        f" ON CONFLICT ({', '.join(quote(meta.get_field(name).column) for name in key)})"
        f" DO UPDATE SET {', '.join(f'{column} = excluded.{column}' for column in columns)}"
        f" WHERE {table}.{quote(expires.column)} < %s"
    )
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    return execute((sql, [*params, expires.get_db_prep_save(now, connection)]))
