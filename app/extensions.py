"""Flask extensions, created unbound here and bound in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
mail = Mail()
api = Api()
socketio = SocketIO()
limiter = Limiter(key_func=get_remote_address)


def _configure_sqlite() -> None:
    """SQLite: enforce foreign keys, and let SQLAlchemy drive transactions so SAVEPOINTs work."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(connection):
        if connection.dialect.name == "sqlite":
            # IMMEDIATE: take the write lock up front, so two requests that read then write
            # wait for each other (busy_timeout) instead of failing with "database is locked".
            if _gevent_patched():
                _begin_immediate_cooperatively(connection.connection.dbapi_connection)
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")


SQLITE_LOCK_WAIT = 10.0  # seconds, as busy_timeout


def _gevent_patched() -> bool:
    import sys

    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("time")


def _begin_immediate_cooperatively(dbapi_connection) -> None:
    """Wait for SQLite's write lock without freezing the other greenlets.

    SQLite's busy wait sleeps in C: under gevent it stops the whole process, so a greenlet
    holding the lock while it waits on the network (a Redis rate-limit hit, a ping) can
    never commit, and every waiter fails with "database is locked" after busy_timeout.
    Here each attempt fails at once, and the pause between attempts lets the holder run.
    """
    import sqlite3
    import time

    from sqlalchemy.exc import OperationalError

    deadline = time.monotonic() + SQLITE_LOCK_WAIT
    pause = 0.001
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise OperationalError("BEGIN IMMEDIATE", None, error) from error
            time.sleep(pause)  # patched by gevent: the lock holder runs meanwhile
            pause = min(pause * 2, 0.05)
    finally:
        # Other statements keep the ordinary wait: in WAL mode only taking the write lock waits on others.
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(SQLITE_LOCK_WAIT * 1000)}")


_configure_sqlite()


def enum_check(column: str, enum_cls) -> str:
    """SQL for a CHECK constraint keeping a string column within an enum's values."""
    return f"{column} IN ({', '.join(repr(item.value) for item in enum_cls)})"


def association_table(name: str, left: tuple[str, str], right: tuple[str, str]):
    """A many-to-many table: two foreign keys forming the primary key, both deleted in cascade.

    `left` and `right` are (column name, "table.column" referred to).
    """
    from sqlalchemy import Column, ForeignKey, Table

    return Table(
        name,
        db.metadata,
        *(Column(column, ForeignKey(target, ondelete="CASCADE"), primary_key=True) for column, target in (left, right)),
    )
