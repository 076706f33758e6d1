"""`jdoffice keys list|set`: provider and sender secrets in the OS keyring, as the installed
gateways declare them."""

from __future__ import annotations

import sys

import click

from jdoffice.cli.context import Context, pass_ctx
from jdoffice.cli.output import echo, emit_json
from jdoffice.domain.staff import Action


def _secret_names(c: Context) -> dict[str, tuple[str, str]]:
    """Every secret `keys` knows, with its environment variable and what it is for: each
    installed gateway's, then the notification senders'."""
    names = {
        spec.name: (spec.env, f"{info.label_en}: {spec.label_en}")
        for info in sorted(c.app.registry.online.values(), key=lambda g: g.name)
        for spec in info.secrets
    }
    names["smtp-password"] = ("JDOFFICE_SMTP_PASSWORD", "E-mail: the SMTP login's password")
    names["sms-token"] = ("JDOFFICE_SMS_TOKEN", "SMS: the provider's token")
    return names


@click.group("keys")
def keys_group() -> None:
    """Provider keys in the OS keyring (never in the database)."""


@keys_group.command("set")
@click.argument("name")
@pass_ctx
def keys_set(c: Context, name: str) -> None:
    """Read the secret NAME from standard input into the keyring for this school.

    NAME is one of `jdoffice keys list`: each installed gateway's secrets (e.g.
    stripe-secret-key, stripe-webhook-secret), smtp-password and sms-token.
    """
    from jdoffice.bootstrap import set_secret

    known = _secret_names(c)
    if name not in known:
        raise click.BadParameter(f"{name!r} is not one of: {', '.join(known)}", param_hint="'NAME'")
    school = c.school()
    # A manager's: checked before the secret is read.
    c.staff_desk().check(Action.KEYS)
    value = sys.stdin.readline()
    set_secret(name, school.slug, value)
    echo(f"{name} stored in the keyring for {school.slug}")


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def keys_list(c: Context, as_json: bool) -> None:
    """The secrets this school can have, and whether each is set (never their values)."""
    from jdoffice.bootstrap import KeyringUnavailable, secret_state

    school = c.school()
    rows = []
    for name, (env, purpose) in _secret_names(c).items():
        try:
            state = secret_state(name, school.slug).value
        except KeyringUnavailable:
            state = "keyring_unreadable"
        rows.append({"name": name, "for": purpose, "env": env, "state": state})
    if as_json:
        emit_json(rows)
        return
    wide = {k: max(len(r[k]) for r in rows) for k in ("name", "state", "env")}
    for r in rows:
        echo(
            f"{r['name']:<{wide['name']}}  {r['state']:<{wide['state']}}  "
            f"{r['env']:<{wide['env']}}  {r['for']}"
        )
