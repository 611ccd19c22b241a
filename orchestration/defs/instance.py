"""The local instance's event log (deploy/local/dagster.yaml): Dagster's SQLite event log, with its
database connections kept open.

Dagster's SQLite event log opens a new SQLAlchemy engine and connection for every event it stores,
about 9 ms of CPU each time; storing the event itself takes 3 ms. A one-month refresh stores some
350 events (every dbt test is an asset check with a planned and an evaluated event), a 24-month
range run some 1,500 (SQLite gets one planned event per partition): 3 s of CPU of a one-month
refresh, 14 s of the demo's 24 months, went into opening connections. Here each database (the
index and the few newest runs) keeps one engine, and with it a pool of open connections; the files,
tables and queries are Dagster's own, so the webserver, the daemon and `dagster` commands read the
same history as before.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from dagster import StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._serdes import ConfigurableClassData

# The index database and the runs being written or read: a long-lived webserver reading many old
# runs keeps only the newest few open.
OPEN_DATABASES = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage under `$DAGSTER_HOME/history/runs` (where Dagster's default puts it),
    with one engine per database file, reused."""

    def __init__(self, dagster_home: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        super().__init__(os.path.join(dagster_home, "history", "runs"), inst_data)

    @classmethod
    def config_type(cls) -> dict:
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        if self._engines_pid != os.getpid():
            # a forked child must not share its parent's open connections
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._engines_pid = os.getpid()
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)  # the most recently used last
            return engine
        engine = sa.create_engine(
            self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
        )
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        if len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:  # as Dagster's: one connection at a time per storage
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
