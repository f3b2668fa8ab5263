"""`companion app`: the whole companion in a browser, for people who never open a terminal."""

from __future__ import annotations

import click


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="The port (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Only print the address to open.")
@click.option("--lan", is_flag=True, help="Also serve your home network, for paired phones and tablets.")
@click.option("--lan-address", metavar="ADDRESS", default=None, help="With --lan: this computer's address there.")
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
            say=click.echo,
            lan=lan or lan_address is not None,
            lan_ip=lan_address,
        )
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C or SIGTERM: how the app is meant to stop
        click.echo("companion has stopped.")
        raise click.exceptions.Exit(130) from None
