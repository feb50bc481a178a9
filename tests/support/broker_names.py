"""Per-test RabbitMQ names under the run's prefix, remembered so the session can delete them."""

from __future__ import annotations

import uuid


class BrokerNames:
    def __init__(self, prefix: str, stem: str) -> None:
        self.prefix = prefix
        self.stem = stem
        self.exchanges: list[str] = []
        self.queues: list[str] = []

    def exchange(self, suffix: str = "events") -> str:
        """A new logical exchange name; the broker-side name is the prefixed one."""
        name = f"{self.stem}-{uuid.uuid4().hex[:8]}.{suffix}"
        self.exchanges.append(self.prefix + name)
        return name

    def queue(self, suffix: str = "queue") -> str:
        """A new logical queue name (its DLQ is remembered too)."""
        name = f"{self.stem}-{uuid.uuid4().hex[:8]}.{suffix}"
        self.queues.extend([self.prefix + name, self.prefix + name + ".dlq"])
        return name
