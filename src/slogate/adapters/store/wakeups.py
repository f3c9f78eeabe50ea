"""``PgWakeups``: the ``Wakeups`` port over PostgreSQL ``LISTEN`` on one dedicated connection.

Every transaction that stores events sends one ``NOTIFY`` with their types (``serialize_event_writes``);
each replica listens on a connection of its own (a pooler must run it in session mode) and wakes
its dispatcher. A lost connection is opened again; meanwhile the dispatcher's short poll serves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, event

from .repository import WAKEUP_CHANNEL

logger = logging.getLogger(__name__)
RECONNECT_SECONDS = 1.0
WAIT_SECONDS = 1.0  # how long one wait for notifications lasts (the stop flag is checked between)


class PgWakeups:
    """Listens for ``slogate_events`` notifications with psycopg 3 (no-op on other drivers)."""

    def __init__(self, engine: Engine) -> None:
        self._url = engine.url
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # the server processes of this replica's own connections: their notifications are skipped
        # (the store wakes the dispatcher in-process already)
        self._own: set[int] = set()
        if self._url.get_driver_name() == "psycopg":
            event.listen(engine, "checkout", self._note_own)

    def _note_own(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        self._own.add(int(dbapi_connection.info.backend_pid))

    def start(self, on_wake: Callable[[Sequence[str] | None], None]) -> None:
        """Listen in a daemon thread, calling ``on_wake(types)`` (None: any) for each notification."""
        if self._url.get_driver_name() != "psycopg":
            logger.warning(
                "no LISTEN with driver %s: other replicas' events are polled", self._url.drivername
            )
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, args=(on_wake,), name="pg-listen", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (within ``WAIT_SECONDS``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(WAIT_SECONDS * 3)
            self._thread = None

    def _listen(self, on_wake: Callable[[Sequence[str] | None], None]) -> None:
        import psycopg  # only here: the server on SQLite never needs it

        conninfo = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {WAKEUP_CHANNEL}")
                    on_wake(None)  # (re)connected: anything may have been missed
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=WAIT_SECONDS):
                            if notice.pid not in self._own:
                                on_wake(_types(notice))
            except Exception as error:  # the database is away: poll meanwhile, connect again
                logger.warning("listening for other replicas' events failed (%s); reconnecting", error)
                self._stop.wait(RECONNECT_SECONDS)


def _types(notice: Any) -> Sequence[str] | None:
    payload = str(notice.payload or "")
    return [kind for kind in payload.split(",") if kind] or None
