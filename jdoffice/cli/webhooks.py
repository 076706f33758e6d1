"""`jdoffice webhooks serve`: the webhook receiver."""

from __future__ import annotations

import click

from jdoffice.cli.context import Context, pass_ctx


@click.group("webhooks")
def webhooks_group() -> None:
    """The webhook receiver (for servers with a public address)."""


@webhooks_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes sharing the port (default: one per CPU core, at most 8).",
)
@pass_ctx
def webhooks_serve(c: Context, host: str, port: int, workers: int | None) -> None:
    """Serve POST /webhooks/{gateway}/{school} and GET /healthz."""
    from jdoffice.webhooks.serve import default_workers, serve

    c.ensure_schema()
    serve(c.app, host=host, port=port, workers=workers or default_workers())
