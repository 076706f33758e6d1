"""`jdoffice keys set`: provider and sender secrets in the OS keyring."""

from __future__ import annotations

import sys

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo


@click.group("keys")
def keys_group() -> None:
    """Provider keys in the OS keyring (never in the database)."""


@keys_group.command("set")
@click.argument(
    "name",
    type=click.Choice(["stripe-secret-key", "stripe-webhook-secret", "smtp-password", "sms-token"]),
)
@pass_ctx
def keys_set(c: Context, name: str) -> None:
    """Read the secret from standard input into the keyring for this school."""
    from jdoffice.bootstrap import set_secret

    school = c.school()
    value = sys.stdin.readline()
    set_secret(name, school.slug, value)
    echo(f"{name} stored in the keyring for {school.slug}")
