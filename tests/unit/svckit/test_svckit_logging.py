"""Every line is one JSON object with the service and logger names, including lines of loggers
created at import time, before the process configured logging."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from svckit.logging import configure_logging, get_logger

pytestmark = pytest.mark.unit

EARLY = get_logger("svckit.tests.early")  # like a module-level `log = get_logger(__name__)`


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


def test_lines_are_json_with_service_logger_and_level(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging("inventory", "INFO")
    EARLY.info("seat.held", seats=2)
    EARLY.debug("not.shown")
    logging.getLogger("uvicorn.error").warning("from the standard library")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert [line["event"] for line in lines] == ["seat.held", "from the standard library"]
    assert lines[0] | {"timestamp": "t"} == {
        "event": "seat.held",
        "seats": 2,
        "logger": "svckit.tests.early",
        "level": "info",
        "service": "inventory",
        "timestamp": "t",
    }
    assert lines[1]["logger"] == "uvicorn.error" and lines[1]["service"] == "inventory"


def test_values_orjson_cannot_encode_still_make_a_json_line(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    configure_logging("booking", "INFO")
    get_logger("svckit.tests.odd").info(
        "odd.values", huge=10**30, keyed={1: "one"}, thing=Opaque(), text="naïve\u2603"
    )

    (line,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert line["huge"] == 10**30
    assert line["keyed"] == {"1": "one"}
    assert line["thing"] == "<opaque>"
    assert line["text"] == "naïve\u2603"
