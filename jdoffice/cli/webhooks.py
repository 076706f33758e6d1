"""`jdoffice webhooks serve`: the webhook receiver."""

from __future__ import annotations

import click

from jdoffice.bootstrap import uvicorn_log_config
from jdoffice.cli.context import Context, pass_ctx


@click.group("webhooks")
def webhooks_group() -> None:
    """The webhook receiver (for servers with a public address)."""


@webhooks_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@pass_ctx
def webhooks_serve(c: Context, host: str, port: int) -> None:
    """Serve POST /webhooks/stripe/{school} and GET /healthz."""
    import uvicorn

    from jdoffice.webhooks.app import create_app

    c.ensure_schema()
    uvicorn.run(
        create_app(c.app),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        log_config=uvicorn_log_config(),
    )
