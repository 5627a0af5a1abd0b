"""Inserting many rows at once where no ids need to come back: an archive's key figures.

``bulk_create`` builds a model instance for every row and binds every value into one long
statement, which costs more than the insert itself when an archive of a million articles brings
twenty million figures. ``insert_rows`` takes plain tuples instead: PostgreSQL receives them by
``COPY`` (its change-log triggers, statement triggers, then fire once for all of them), SQLite
through one ``executemany`` (a statement prepared once, run in C). The database's triggers see
these rows as they see any insert, so the search index's change log stays complete
(articles.triggers).
"""

from django.db import connections, router

# Fields whose Python values the database drivers take as they are; any other field's values
# go through the field's own conversion, as the ORM would send them.
_PLAIN = frozenset(
    {
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DecimalField",  # Decimal: psycopg adapts it, Django registers an adapter for sqlite3
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def insert_rows(model, field_names, rows):
    """Insert ``rows`` (tuples of values in the order of ``field_names``); return how many.

    Every other field takes its default, as the ORM would give it (the same for each row), and
    the primary key its next value. Values are not validated: they come from code, not from a form.
    """
    named = [model._meta.get_field(name) for name in field_names]
    rest = [
        field
        for field in model._meta.concrete_fields
        if field not in named and not field.primary_key
    ]
    defaults = tuple(field.get_default() for field in rest)  # as the ORM fills them: "" for text
    missing = [
        field.name
        for field, default in zip(rest, defaults, strict=True)
        if default is None and not field.null
    ]
    if missing:
        raise ValueError(f"{model.__name__} rows need a value for {', '.join(missing)}.")
    fields = named + rest
    connection = connections[router.db_for_write(model)]
    converters = [
        None
        if field.get_internal_type() in _PLAIN
        else (lambda value, field=field: field.get_db_prep_save(value, connection))
        for field in fields
    ]
    rows = [row + defaults for row in rows]
    if not rows:
        return 0
    if any(converters):
        rows = [
            tuple(
                value if convert is None else convert(value)
                for value, convert in zip(row, converters, strict=True)
            )
            for row in rows
        ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    # Only names from the model, quoted by the backend, go into the statements; values are bound
    # or copied.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )
    return len(rows)
