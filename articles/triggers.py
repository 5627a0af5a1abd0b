"""The triggers that make the database write its own change log (articles.models.Change).

Each watched table names what a change to one of its rows affects (a topic and the column that
holds its key). The triggers upsert one row per affected thing: the older row for the same thing
goes, and a new row with a higher id takes its place.

- **SQLite** fires row triggers. Writers are serialised, so ids become visible in id order.
- **PostgreSQL** fires statement triggers with transition tables, so one ``UPDATE`` of a
  million sections is one insert into the log. Every writer takes a transaction-scoped advisory
  lock before it appends, so a transaction that took a lower id has committed before another
  can take a higher one: a reader that has applied everything up to id N never misses a row
  below N committed later. ``NOTIFY articles_change`` wakes the indexer at commit. ``TRUNCATE``,
  which fires no row events, logs "everything".

A writer that creates an article and its parts in one transaction (the importer) may pause
the logging of the parts (`paused`): on SQLite, where a row trigger costs more than the row it
logs, the INSERT triggers of the watches marked ``pausable`` are dropped for the block and
created again at its end, in the same transaction, so no other connection sees them missing.
The article's own row, logged in the same transaction, already sends it to be indexed whole;
rows the block inserted for anything else are logged as it ends. PostgreSQL logs a statement
at a time and pauses nothing.

Migrations call `create_sql` and `drop_sql` (or `recreated_on_sqlite`). SQLite cannot alter
most of a table in place, so a migration that changes a watched table there copies it into a
new one, and the triggers go with the old table. So after every ``migrate`` each app puts back
whatever triggers of its watches are missing (`install_missing`, from its AppConfig): a
table's log can never be lost to a migration.
"""

from contextlib import contextmanager
from dataclasses import dataclass

LOG_TABLE = "articles_change"
PAUSE_TABLE = "articles_changepause"  # what the triggers checked from migration 0008 to 0010
NOTIFY_CHANNEL = "articles_change"
ADVISORY_LOCK_KEY = 7_302_215_017  # any constant; identifies the log's lock
EVENTS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Watch:
    table: str
    topic: str
    column: str  # holds the key of what a change to the row affects
    events: tuple = EVENTS
    watched: tuple = ()  # an UPDATE counts only when one of these columns changed (all if empty)
    pausable: bool = False  # its INSERTs may be logged by article at the end of `paused`


# What a change to a row of each of the archive's tables affects (search adds its dictionary's).
ARCHIVE_WATCHES = (
    Watch("articles_article", "article", "id"),
    Watch("articles_section", "article", "article_id", pausable=True),
    Watch("articles_byline", "article", "article_id", pausable=True),
    Watch("articles_figure", "article", "article_id", pausable=True),
    Watch("articles_author", "author", "id", events=("UPDATE",), watched=("name",)),
    Watch("articles_publication", "publication", "id", events=("UPDATE",), watched=("name",)),
)


def create_sql(vendor, watches, pausing=False):
    """The statements that create the triggers for ``watches`` on this database vendor.

    ``pausing`` adds the condition on PAUSE_TABLE that SQLite's INSERT triggers had while that
    table existed (migrations 0008 to 0010): history, for those migrations.
    """
    if vendor == "postgresql":
        return [_PG_FUNCTIONS] + [sql for watch in watches for sql in _pg_create(watch)]
    if vendor == "sqlite":
        return [
            _sqlite_trigger(watch, event, pausing) for watch in watches for event in watch.events
        ]
    raise NotImplementedError(f"The change log has no triggers for {vendor}.")


def drop_sql(vendor, watches):
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {watch.table}_log_truncate ON {watch.table}; "
            f"DROP FUNCTION IF EXISTS {watch.table}_logged() CASCADE"
            for watch in watches
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {_trigger_name(watch, event)}"
            for watch in watches
            for event in watch.events
        ]
    raise NotImplementedError(f"The change log has no triggers for {vendor}.")


def recreated_on_sqlite(watches, pausing):
    """A migration's RunPython function: drops and creates again the SQLite triggers of
    ``watches`` (``pausing`` as in `create_sql`). PostgreSQL's statement triggers never paused."""

    def recreate(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor != "sqlite":
            return
        for statement in [
            *drop_sql(vendor, watches),
            *create_sql(vendor, watches, pausing=pausing),
        ]:
            schema_editor.execute(statement)

    return recreate


def trigger_names(vendor, watches):
    """The names of the triggers create_sql makes for ``watches``."""
    names = [_trigger_name(watch, event) for watch in watches for event in watch.events]
    if vendor == "postgresql":
        names += [f"{watch.table}_log_truncate" for watch in watches if "DELETE" in watch.events]
    return names


def installed_triggers(connection):
    """The names of the triggers the database has."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def install_missing(connection, watches):
    """Create again the triggers of every watch that lost one; return those watches' tables.

    Does nothing before the change log exists (a database migrated to an earlier state).
    """
    tables = set(connection.introspection.table_names())
    if LOG_TABLE not in tables:
        return []
    present = installed_triggers(connection)
    broken = [
        watch
        for watch in watches
        if watch.table in tables
        and not present.issuperset(trigger_names(connection.vendor, [watch]))
    ]
    if broken:
        with connection.cursor() as cursor:
            for statement in [
                *drop_sql(connection.vendor, broken),
                *create_sql(connection.vendor, broken, pausing=PAUSE_TABLE in tables),
            ]:
                cursor.execute(statement)
    return [watch.table for watch in broken]


def _trigger_name(watch, event):
    return f"{watch.table}_log_{event.lower()}"


@contextmanager
def paused(connection, topic, keys):
    """Within a transaction: the rows the block inserts into the pausable watches of ``topic``
    are not logged one by one; things other than ``keys`` they belong to are logged as the
    block ends.

    For a writer that has just created those things (their own rows logged them) and now adds
    their parts. On SQLite a row trigger costs more than the row it logs: a key figure's insert
    took 11 µs with its trigger, even one whose condition skips it, and 4.6 µs without. So the
    pausable INSERT triggers are dropped for the block and created again as it ends, whatever
    happens in it, in the same transaction: no other connection ever sees them missing. Does
    nothing on PostgreSQL, whose statement triggers log a whole insert at once.
    """
    if connection.vendor != "sqlite" or not keys:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("paused() needs a transaction: the pause must end before a commit.")
    pausable = [watch for watch in ARCHIVE_WATCHES if watch.pausable and watch.topic == topic]
    with connection.cursor() as cursor:
        last_ids = {}
        for watch in pausable:
            cursor.execute(f"SELECT max(id) FROM {watch.table}")
            last_ids[watch] = cursor.fetchone()[0] or 0
            cursor.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(watch, 'INSERT')}")
        try:
            yield
        finally:
            inserted_for = set()
            for watch in pausable:
                cursor.execute(_sqlite_trigger(watch, "INSERT"))
                cursor.execute(
                    f"SELECT DISTINCT CAST({watch.column} AS TEXT) FROM {watch.table} "
                    "WHERE id > %s",
                    [last_ids[watch]],
                )
                inserted_for.update(key for (key,) in cursor.fetchall())
            others = inserted_for - {str(key) for key in keys}
            if others:
                from .changes import touch  # it needs the models; migrations import this module

                touch(topic, others)


# -- SQLite


def _sqlite_trigger(watch, event, pausing=False):
    if event == "INSERT":
        body = _sqlite_upsert(watch, "NEW")
    elif event == "DELETE":
        body = _sqlite_upsert(watch, "OLD")
    else:
        moved = f"NEW.{watch.column} IS NOT OLD.{watch.column}"
        body = _sqlite_upsert(watch, "OLD") + _sqlite_upsert(watch, "NEW", when=moved)
    columns = f" OF {', '.join(watch.watched)}" if event == "UPDATE" and watch.watched else ""
    when = ""
    if event == "UPDATE" and watch.watched:
        when = " WHEN " + " OR ".join(f"NEW.{name} IS NOT OLD.{name}" for name in watch.watched)
    if event == "INSERT" and watch.pausable and pausing:
        when = (
            f" WHEN NOT EXISTS (SELECT 1 FROM {PAUSE_TABLE} WHERE topic = '{watch.topic}' "
            f"AND key = CAST(NEW.{watch.column} AS TEXT))"
        )
    return (
        f"CREATE TRIGGER {_trigger_name(watch, event)} AFTER {event}{columns} ON {watch.table}"
        f"{when} BEGIN {body} END"
    )


def _sqlite_upsert(watch, row, when=None):
    # A delete then an insert, not INSERT OR REPLACE: the conflict clause of the statement that
    # fired the trigger (bulk_create(ignore_conflicts=True) is INSERT OR IGNORE) would override
    # the trigger's own, and an ignored row is a change lost.
    key = f"CAST({row}.{watch.column} AS TEXT)"
    condition = f" AND {when}" if when else ""
    return (
        f"DELETE FROM {LOG_TABLE} WHERE topic = '{watch.topic}' AND key = {key}{condition}; "
        f"INSERT INTO {LOG_TABLE} (topic, key, created_at) "
        f"SELECT '{watch.topic}', {key}, strftime('%Y-%m-%d %H:%M:%f', 'now') "
        f"WHERE {key} IS NOT NULL{condition}; "
    )


# -- PostgreSQL

_PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION articles_log_changes(p_topic text, p_keys text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_keys IS NULL OR cardinality(p_keys) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock({ADVISORY_LOCK_KEY});
    INSERT INTO {LOG_TABLE} AS change (topic, key, created_at)
        SELECT DISTINCT p_topic, k, now() FROM unnest(p_keys) AS k WHERE k IS NOT NULL
    ON CONFLICT (topic, key) DO UPDATE
        SET id = nextval(pg_get_serial_sequence('{LOG_TABLE}', 'id')), created_at = now();
    PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
END $$;

CREATE OR REPLACE FUNCTION articles_log_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM articles_log_changes('all', ARRAY['']);
    RETURN NULL;
END $$;
"""


def _pg_create(watch):
    column = watch.column
    if watch.watched:
        changed = " OR ".join(f"n.{name} IS DISTINCT FROM o.{name}" for name in watch.watched)
        updated = (
            f"SELECT unnest(ARRAY[o.{column}::text, n.{column}::text]) "
            f"FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}"
        )
    else:
        updated = f"SELECT {column}::text FROM old_rows UNION SELECT {column}::text FROM new_rows"
    function = f"""
CREATE OR REPLACE FUNCTION {watch.table}_logged() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM articles_log_changes('{watch.topic}', ARRAY(SELECT {column}::text FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM articles_log_changes('{watch.topic}', ARRAY(SELECT {column}::text FROM old_rows));
    ELSE
        PERFORM articles_log_changes('{watch.topic}', ARRAY({updated}));
    END IF;
    RETURN NULL;
END $$;
"""
    references = {
        "INSERT": "REFERENCING NEW TABLE AS new_rows",
        "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "REFERENCING OLD TABLE AS old_rows",
    }
    statements = [function]
    for event in watch.events:
        statements.append(
            f"CREATE TRIGGER {_trigger_name(watch, event)} AFTER {event} ON {watch.table} "
            f"{references[event]} FOR EACH STATEMENT EXECUTE FUNCTION {watch.table}_logged()"
        )
    if "DELETE" in watch.events:
        statements.append(
            f"CREATE TRIGGER {watch.table}_log_truncate AFTER TRUNCATE ON {watch.table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION articles_log_truncated()"
        )
    return statements
