"""The shared command line: one line and exit code 2 for a bad setting, then the command runs."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from pydantic import Field

from svckit.cli import Command, main
from svckit.settings import Settings

pytestmark = pytest.mark.unit


class Probe(Settings):
    port: int = Field(7051, ge=0, le=65535, validation_alias="GRPC_PORT")


def commands(ran: list[Any]) -> dict[str, Command]:
    def serve(settings: Probe, args: argparse.Namespace) -> None:
        ran.append(("serve", settings.port))

    def seed(settings: Probe, args: argparse.Namespace) -> int:
        ran.append(("seed", args.addr))
        return 3

    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:7051")

    return {
        "serve": Command("serve", Probe, serve, logs=False),
        "seed": Command("seed", Probe, seed, arguments=arguments, logs=False),
    }


def test_a_bad_setting_stops_the_process_with_one_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRPC_PORT", "abc")
    ran: list[Any] = []
    with pytest.raises(SystemExit) as exited:
        main("inventory", commands(ran), ["serve"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "inventory: configuration error: GRPC_PORT: expected an integer, got 'abc'\n"
    )
    assert ran == []


def test_the_named_command_runs_with_its_settings_and_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRPC_PORT", "7000")
    ran: list[Any] = []
    assert main("catalog", commands(ran), ["serve"]) == 0
    assert main("catalog", commands(ran), ["seed", "--addr", "h:1"]) == 3
    assert ran == [("serve", 7000), ("seed", "h:1")]


def test_a_default_command_runs_when_none_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRPC_PORT", raising=False)
    ran: list[Any] = []
    assert main("payment_simulator", commands(ran), [], default="serve") == 0
    assert ran == [("serve", 7051)]


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main("booking", commands([]), ["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err
