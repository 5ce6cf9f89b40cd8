"""How `--help` looks: the options every command and group shares (``-h``), and flags
shown without a value type (typer's rich help prints ``<bool>`` after ``--quiet`` and
``--help``, as if they took a value)."""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

# -h and --help on every command (the shell-completion options come from typer itself).
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def _plain_flags(params: list[Any]) -> list[Any]:
    """A flag takes no value: an empty metavar keeps typer from printing "<bool>"."""
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    return params


class PlainFlagsGroup(TyperGroup):
    """A typer group whose help, and its commands' help, print flags without a type."""

    # typer carries its own copy of click: its Context and Command types stay Any here.
    def get_params(self, ctx: Any) -> list[Any]:
        return _plain_flags(super().get_params(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_flags(command.get_params(ctx))
        return command
