"""`companion app`: the whole companion in a browser, for people who never open a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from companion.cli.options import Address

if TYPE_CHECKING:
    from companion.app.server import Serving


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="The port (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Only print the address to open.")
@click.option("--lan", is_flag=True, help="Also serve your home network, for paired phones and tablets.")
@click.option(
    "--lan-address", type=Address(), metavar="ADDRESS", default=None, help="With --lan: this computer's address there."
)
def app(port: int, no_browser: bool, lan: bool, lan_address: str | None) -> None:
    """Open companion in your web browser: today's session, listening, the caregiver's
    massage and the comfort journal, with large buttons. It serves this computer only
    unless --lan; Ctrl-C stops it.

    \b
    Examples:
      companion app
      companion app --lan
    """
    from companion.app.server import serve
    from companion.errors import Interrupted

    try:
        serve(
            port=port,
            open_browser=not no_browser,
            ready=_say_where,
            lan=lan or lan_address is not None,
            lan_ip=lan_address,
        )
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C or SIGTERM: how the app is meant to stop
        click.echo("companion has stopped.")
        raise click.exceptions.Exit(130) from None


def _say_where(serving: Serving) -> None:
    """Where the app is, once it serves."""
    click.echo("companion is open in your web browser." if serving.opened else "Open this address in your web browser:")
    click.echo(f"  {serving.address}")
    if serving.pair_at is None:
        click.echo("It opens the app once. The app serves this computer only; press Ctrl-C here to stop it.")
        return
    click.echo("It opens the app once. The app can also be reached from your home network now, at")
    click.echo(f"  {serving.pair_at}  (or {serving.by_name})")
    click.echo("where a phone must first be paired with a code from the Devices page. To stop that,")
    click.echo("press Ctrl-C here and start companion app again without --lan.")
