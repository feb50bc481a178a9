"""Units of work over one PostgreSQL transaction.

``TransactionUnitOfWork``: a pooled connection and one transaction, rolled back unless committed
(read-only units run in autocommit instead: no BEGIN/ROLLBACK round trips). A service subclasses
it, saying in ``_bind`` which repositories to create on the connection.

``OutboxUnitOfWork``: the same, and the events it queued go to the outbox in that transaction.
A service subclasses ``OutboxUnitOfWork``, naming its schema and exchange and saying how to bind
its repositories to a connection and how an event becomes a message. The unit of work either owns
its connection and transaction (gRPC use cases, jobs), or joins one someone else owns via
``bound_to(conn)`` — the idempotent consumer's, which also records the message id — and then
``commit()`` only writes the events, leaving the commit to the owner.
"""

from __future__ import annotations

from types import TracebackType
from typing import ClassVar, Generic, Protocol, Self, TypeVar

from google.protobuf.message import Message
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from svckit.db import is_lock_timeout
from svckit.outbox import add_event


class TransactionUnitOfWork:
    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._conn: AsyncConnection | None = None

    def _bind(self, conn: AsyncConnection) -> None:
        """Create the repositories on ``conn``."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        if self._read_only:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            await conn.begin()
        self._conn = conn
        self._bind(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        await self._conn.commit()


class HasEventId(Protocol):
    @property
    def event_id(self) -> str: ...


E = TypeVar("E", bound=HasEventId)


class OutboxUnitOfWork(Generic[E]):
    schema: ClassVar[str]
    exchange: ClassVar[str]

    def __init__(self, engine: AsyncEngine | None, conn: AsyncConnection | None = None) -> None:
        self._engine = engine
        self._conn = conn
        self._owns_transaction = conn is None
        self._events: list[E] = []
        if conn is not None:
            self._bind(conn)

    @classmethod
    def bound_to(cls, conn: AsyncConnection) -> Self:
        return cls(None, conn)

    # What a service fills in.
    def _bind(self, conn: AsyncConnection) -> None:
        """Create the repositories on ``conn``."""
        raise NotImplementedError

    def _to_message(self, event: E) -> tuple[str, Message]:
        """The routing key and protobuf message for ``event``."""
        raise NotImplementedError

    def _busy_error(self) -> Exception | None:
        """What a lock timeout becomes for the caller (a retryable conflict), or None to keep it."""
        return None

    async def __aenter__(self) -> Self:
        if self._owns_transaction:
            assert self._engine is not None
            self._conn = await self._engine.connect()
            await self._conn.begin()
            self._bind(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._events.clear()
        if self._owns_transaction and self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                if conn.in_transaction():
                    await conn.rollback()
            except Exception:
                if exc is None:
                    raise
            finally:
                await conn.close()
        if isinstance(exc, DBAPIError) and is_lock_timeout(exc):
            busy = self._busy_error()
            if busy is not None:
                raise busy from exc

    def publish(self, event: E) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside `async with`"
        events, self._events = self._events, []
        for event in events:
            routing_key, message = self._to_message(event)
            await add_event(
                self._conn, self.schema, self.exchange, routing_key, message, event.event_id
            )
        if self._owns_transaction:
            await self._conn.commit()
