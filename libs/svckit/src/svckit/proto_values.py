"""Protobuf values to and from Python ones: ``google.protobuf.Timestamp`` and the common ``Money``.

Every service maps its domain to messages in its own ``proto_mapping`` (and event) modules; the
value types those messages share are converted here, once:

* a ``Timestamp`` comes back as an aware UTC ``datetime`` (``Timestamp.ToDatetime`` alone gives
  a naive one, which compares wrongly with the services' aware clocks); a naive ``datetime``
  going in is taken as UTC, as ``Timestamp.FromDatetime`` does;
* ``ticketing.common.v1.Money`` is an integer amount in the currency's minor unit and an ISO 4217
  code; any value with ``amount_minor`` and ``currency`` (each service has its own ``Money``)
  converts to it;
* a contract message of string fields that describes the metadata keys of a
  ``google.rpc.ErrorInfo`` converts to and from that metadata, so the service that writes it and
  the callers that read it spell the keys by the generated field names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from ticketing.common.v1 import common_pb2

__all__ = [
    "AmountInMinorUnits",
    "from_metadata",
    "from_money",
    "from_timestamp",
    "metadata_of",
    "optional_timestamp",
    "timestamp_field",
    "to_money",
    "to_timestamp",
]

T = TypeVar("T")
M = TypeVar("M", bound=Message)


class AmountInMinorUnits(Protocol):
    """What a service's own money value offers."""

    @property
    def amount_minor(self) -> int: ...

    @property
    def currency(self) -> str: ...


def to_timestamp(moment: datetime) -> Timestamp:
    """The ``Timestamp`` of ``moment`` (naive means UTC)."""
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def optional_timestamp(moment: datetime | None) -> Timestamp | None:
    """``to_timestamp``, or None to leave an optional message field unset."""
    return None if moment is None else to_timestamp(moment)


def from_timestamp(stamp: Timestamp) -> datetime:
    """The aware UTC ``datetime`` of ``stamp``."""
    return stamp.ToDatetime(tzinfo=UTC)


def timestamp_field(message: Message, field: str) -> datetime | None:
    """The aware UTC ``datetime`` in ``message.<field>``, or None when the field is unset."""
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return from_timestamp(stamp)


def to_money(value: AmountInMinorUnits) -> common_pb2.Money:
    """The common ``Money`` message of a service's money value."""
    return common_pb2.Money(amount_minor=value.amount_minor, currency=value.currency)


def from_money(message: common_pb2.Money, make: Callable[[int, str], T]) -> T:
    """A service's money value, ``make(amount_minor, currency)``, from the common message."""
    return make(message.amount_minor, message.currency)


def metadata_of(message: Message) -> dict[str, str]:
    """Every field of ``message`` under its name, empty ones included (ErrorInfo metadata)."""
    return {field.name: str(getattr(message, field.name)) for field in message.DESCRIPTOR.fields}


def from_metadata(metadata: Mapping[str, str], message_type: type[M]) -> M:
    """A ``message_type`` whose fields are read from the metadata keys of their names."""
    names = message_type.DESCRIPTOR.fields_by_name
    return message_type(**{key: value for key, value in metadata.items() if key in names})
