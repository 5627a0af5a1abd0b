"""Backing up the database to one file, and restoring it, while the site runs.

- **SQLite**: SQLite's online backup API, in both directions. A backup reads one consistent
  snapshot while readers and writers go on (WAL); a restore writes the backup's pages into the
  live database in one transaction, and the other connections see it at their next query.
  Copying the file instead could catch it halfway through a write, or miss what is still in
  its write-ahead log.
- **PostgreSQL**: ``pg_dump --format=custom``, and ``pg_restore --clean --if-exists --no-owner``
  whose script psql runs in one transaction, so a restore that fails leaves the database as it
  was. The password goes to the client tools in their environment (PGPASSWORD), never on a
  command line or in a message.

A backup is written under a temporary name beside its path and renamed when complete, so the
path never holds half a backup. It is readable by its owner only: it holds the editors'
password hashes.

The search index is a copy of the database, and the indexer rebuilds it after a restore
(docs/search-lifecycle.md). The restore helps it, in the same transaction as the restored data:
it moves the change log past every id the replaced database had used, and logs "everything".

- Reader pages are cached under the newest change id (articles.caching). An id the replaced
  database had used, used again for other content, would find a page of the replaced archive.
- "Everything" makes the indexer rebuild even when it could not tell a restore from its
  position (an indexer that wrote its position into the restored database mid-batch), and,
  arriving with the data, makes it rebuild once, not once for the data and again for the log.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from django.db import DatabaseError, connections

from . import changes
from .models import Change
from .triggers import LOG_TABLE

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
PG_PLAIN_MAGIC = b"--\n-- PostgreSQL database dump"
# A backup of this site has these tables (the check that a file is one of ours, not any database).
REQUIRED_TABLES = ("django_migrations", "articles_article")

# libpq reads these from the environment; dj_database_url puts URL parameters in OPTIONS.
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do about it."""


def describe(using="default"):
    """The database a backup is taken from or restored into, in words (never the password)."""
    connection = connections[using]
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"the SQLite database {settings['NAME']}"
    if connection.vendor == "postgresql":
        where = settings.get("HOST") or "the local socket"
        if settings.get("PORT"):
            where += f":{settings['PORT']}"
        return f"the PostgreSQL database {settings['NAME']} on {where}"
    return f"the {connection.vendor} database {settings['NAME']}"


def backup(path, using="default", force=False):
    """Write a backup of the database ``using`` to ``path`` (one file); return its Path.

    Refuses to replace an existing file unless ``force``.
    """
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a directory: name the backup file to write.")
    if path.exists() and not force:
        raise BackupError(f"{path} already exists: choose another name, or use --force.")
    if not path.parent.is_dir():
        raise BackupError(f"The directory {path.parent} does not exist: create it first.")
    connection = connections[using]
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)
    partial = Path(partial)
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(connection, partial)
        elif connection.vendor == "postgresql":
            _pg_backup(connection, partial)
        else:
            raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
        if path.exists() and not force:
            raise BackupError(f"{path} appeared while the backup was written: nothing replaced.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def check(path, using="default"):
    """Raise BackupError unless ``path`` is a backup this site's database can be restored from."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    with path.open("rb") as file:
        head = file.read(len(PG_PLAIN_MAGIC))
    vendor = connections[using].vendor
    if head.startswith(SQLITE_MAGIC):
        kind = "sqlite"
    elif head.startswith(PG_CUSTOM_MAGIC):
        kind = "postgresql"
    elif head.startswith(PG_PLAIN_MAGIC):
        raise BackupError(
            f"{path} is a plain-text SQL dump, not a backup made by `manage.py backup` "
            "(pg_dump --format=custom): restore it with psql, or make a new backup."
        )
    else:
        raise BackupError(
            f"{path} is not a backup: it is neither an SQLite database nor a PostgreSQL "
            "custom-format dump (the files `manage.py backup` writes)."
        )
    if kind != vendor:
        made = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
        raise BackupError(
            f"{path} is a backup of a {made} database, but this site uses {describe(using)}. "
            f"Restore it on a site configured for {made} (DATABASE_URL), or use a backup "
            "made here."
        )
    if kind == "sqlite":
        _sqlite_check(path)
    else:
        _pg_check(connections[using], path)


def restore(path, using="default"):
    """Replace everything in the database ``using`` with the backup at ``path``.

    The backup is checked first (see `check`); nothing is changed when it is not one.
    """
    path = Path(path)
    check(path, using)
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a transaction.")
    used = _change_log_end(connection)
    if connection.vendor == "sqlite":
        _sqlite_restore(connection, path, log_after=used)
    else:
        _pg_restore(connection, path, log_after=used)


def indexer_running():
    """Whether an indexer has been seen lately (read before a restore replaces the record)."""
    try:
        return changes.live_readers().exists()
    except DatabaseError:  # a database without the change log: nothing follows it
        return False


# -- SQLite


def _sqlite_backup(connection, target_path):
    connection.ensure_connection()
    try:
        with closing(sqlite3.connect(target_path)) as target:
            connection.connection.backup(target)
            # One self-contained file: the live database's WAL mode is not carried over.
            target.execute("PRAGMA journal_mode=DELETE")
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"SQLite could not write the backup: {error}.") from error


def _sqlite_check(path):
    try:
        with closing(_sqlite_read_only(path)) as source:
            tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
            problems = [row[0] for row in source.execute("PRAGMA quick_check")]
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be read as an SQLite database: {error}.") from error
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged (SQLite's quick_check: {'; '.join(problems[:3])}).")
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise BackupError(
            f"{path} is an SQLite database but not a backup of this site "
            f"(it has no {', '.join(missing)} table)."
        )


def _sqlite_restore(connection, path, log_after):
    """Stage the backup with its change log continued, then write it into the live database.

    The last step is one transaction: no reader sees the restored data without the log's
    entry for it.
    """
    connection.ensure_connection()
    live = Path(connection.settings_dict["NAME"])
    # Beside the live database: the disk that must hold the restored data anyway.
    work = tempfile.TemporaryDirectory(dir=live.parent, prefix=f".{live.name}.restore-")
    try:
        with work, closing(sqlite3.connect(Path(work.name) / "staged.sqlite3")) as staged:
            with closing(_sqlite_read_only(path)) as source:
                source.backup(staged)
            with staged:  # one transaction, committed
                _sqlite_continue_change_log(staged, log_after)
            staged.backup(connection.connection)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"SQLite could not restore {path}: {error}.") from error


def _sqlite_continue_change_log(database, after):
    moved = database.execute(
        "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (after, LOG_TABLE)
    )
    if moved.rowcount == 0:
        database.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (LOG_TABLE, after)
        )
    # The row the triggers would write (articles.triggers): the older row for the thing goes.
    # (LOG_TABLE is a constant, not input.)
    everything = Change.Topic.EVERYTHING.value
    database.execute(f"DELETE FROM {LOG_TABLE} WHERE topic = ? AND key = ''", (everything,))  # noqa: S608
    database.execute(
        f"INSERT INTO {LOG_TABLE} (topic, key, created_at) "  # noqa: S608
        "VALUES (?, '', strftime('%Y-%m-%d %H:%M:%f', 'now'))",
        (everything,),
    )


def _sqlite_read_only(path):
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


# -- PostgreSQL


def _pg_backup(connection, target_path):
    _pg_run(
        connection,
        "pg_dump",
        ["--format=custom", f"--file={target_path}", connection.settings_dict["NAME"]],
        what=f"back up {describe(connection.alias)}",
    )


def _pg_check(connection, path):
    listing = _pg_run(connection, "pg_restore", ["--list", str(path)], what=f"read {path}")
    if not re.search(r"\bTABLE DATA \S+ articles_article\b", listing):
        raise BackupError(
            f"{path} is a PostgreSQL dump but not a backup of this site "
            "(it holds no articles_article table)."
        )


def _pg_restore(connection, path, log_after):
    """pg_restore's script and the change log's entry for it, in one transaction.

    psql runs the script that pg_restore writes in one transaction (--single-transaction),
    and commits when its input ends. So this process passes the script on, and ends psql's
    input only after pg_restore has succeeded; otherwise psql is killed before it can commit,
    and PostgreSQL rolls the transaction back.
    """
    settings = connection.settings_dict
    environment = _pg_environment(settings)
    script_command = [
        _pg_tool("pg_restore"),
        *("--clean", "--if-exists", "--no-owner", "--no-privileges"),
        "--file=-",
        str(path),
    ]
    load_command = [
        _pg_tool("psql"),
        *("--no-psqlrc", "--set=ON_ERROR_STOP=1", "--single-transaction"),
        f"--dbname={settings['NAME']}",
        "--file=-",
    ]
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as load_errors:
        script = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            script_command, stdout=subprocess.PIPE, stderr=script_errors, env=environment
        )
        load = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            load_command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=load_errors,
            env=environment,
        )
        try:
            try:
                shutil.copyfileobj(script.stdout, load.stdin)
                if script.wait() == 0:
                    load.stdin.write(_pg_continue_change_log(log_after).encode())
                    load.stdin.close()  # the end of psql's input: it commits
                    load.wait()
            except BrokenPipeError:
                pass  # psql stopped at an error, reported below
        finally:
            # Never let psql reach the end of an incomplete script: it would commit it.
            load.kill()
            load.wait()
            script.kill()
            script.wait()
        if load.returncode == 0:
            return
        failed, errors = (
            ("psql", load_errors) if load.returncode > 0 else ("pg_restore", script_errors)
        )
        raise BackupError(
            f"{failed} could not restore {path}, and nothing was changed: "
            + _tool_errors(errors, settings)
        )


def _pg_continue_change_log(after):
    """SQL that gives the next change an id above ``after`` and logs "everything" with it."""
    return (
        "\nRESET search_path;\n"
        f"SELECT setval(s, GREATEST({int(after)}, pg_sequence_last_value(s), 1)) "
        f"FROM (SELECT pg_get_serial_sequence('{LOG_TABLE}', 'id')::regclass AS s) AS log;\n"
        # The triggers' own function: the same upsert, and NOTIFY for the indexer.
        f"SELECT articles_log_changes('{Change.Topic.EVERYTHING.value}', ARRAY['']);\n"
    )


def _tool_errors(file, settings):
    file.seek(0)
    message = file.read().decode(errors="replace").strip() or "no message"
    if settings.get("PASSWORD"):
        message = message.replace(settings["PASSWORD"], "********")
    return message


def _pg_run(connection, program, arguments, what):
    """Run a PostgreSQL client tool on this connection's database; return its output."""
    settings = connection.settings_dict
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [_pg_tool(program), *arguments],
        env=_pg_environment(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        if settings.get("PASSWORD"):
            message = message.replace(settings["PASSWORD"], "********")
        raise BackupError(f"{program} could not {what}: {message}")
    return result.stdout


def _pg_tool(program):
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} was not found: install PostgreSQL's client tools, of the server's "
            "major version or newer (Debian: apt-get install postgresql-client)."
        )
    return executable


def _pg_environment(settings):
    environment = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings.get(key):
            environment[name] = str(settings[key])
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    for option, name in _PG_OPTIONS.items():
        if settings.get("OPTIONS", {}).get(option):
            environment[name] = str(settings["OPTIONS"][option])
    return environment


# -- the change log across a restore


def _change_log_end(connection):
    """The highest id the change log has handed out (0 for a database without a log)."""
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)",
                    [LOG_TABLE],
                )
            else:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [LOG_TABLE])
            row = cursor.fetchone()
        newest = Change.objects.using(connection.alias).order_by("-id").values("id").first()
    except DatabaseError:
        return 0
    return max(row[0] if row and row[0] else 0, newest["id"] if newest else 0)
