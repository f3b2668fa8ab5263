"""`companion app`: the whole companion in a browser, for people who never open a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from companion.cli.options import Address

if TYPE_CHECKING:
    from companion.app.instance import AlreadyRunning
    from companion.app.server import Serving


class Size(click.ParamType[int, object]):
    """A size on disk as people write it: 500MB, 2GB, 1.5 GB."""

    name = "size"
    UNITS = {"": 1000**2, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3}
    LEAST = 10 * 1000**2

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower().replace(" ", "")
        number = text.rstrip("bgm")
        unit = text[len(number) :]
        try:
            size = float(number) * self.UNITS[unit]
        except (ValueError, KeyError, OverflowError):
            self.fail(f"'{str(value)[:40]}' is not a size; give one such as 500MB or 2GB", param, ctx)
        if not self.LEAST <= size <= 1000**5:  # NaN fails this too
            self.fail(f"give a size from 10MB up, such as 500MB or 2GB, not '{str(value)[:40]}'", param, ctx)
        return int(size)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="The port (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Only print the address to open.")
@click.option("--lan", is_flag=True, help="Also serve your home network, for paired phones and tablets.")
@click.option(
    "--lan-address", type=Address(), metavar="ADDRESS", default=None, help="With --lan: this computer's address there."
)
@click.option(
    "--disk-budget",
    type=Size(),
    default="2GB",
    show_default=True,
    help="The most the app's sessions and files take on disk (it also leaves 1GB free).",
)
@click.option("--shortcut", is_flag=True, help="Add companion to your desktop's menu (one click opens it), then stop.")
def app(port: int, no_browser: bool, lan: bool, lan_address: str | None, disk_budget: int, shortcut: bool) -> None:
    """Open companion in your web browser: today's session, listening, the caregiver's
    massage and the comfort journal, with large buttons. It serves this computer only
    unless --lan; Ctrl-C stops it.

    \b
    Examples:
      companion app
      companion app --lan
      companion app --shortcut
    """
    if lan_address is not None and not lan:
        raise click.UsageError("--lan-address is for the home network: add --lan, or leave it out")
    if shortcut:
        from companion.app.shortcut import add_shortcut

        entry = add_shortcut()
        click.echo(f"companion is in your desktop's menu now ({entry}).")
        click.echo("One click opens it in your web browser, with a window that stops it when closed.")
        return
    from companion import Interrupted, interrupts
    from companion.app.instance import AlreadyRunning
    from companion.app.server import serve

    try:
        serve(
            port=port,
            open_browser=not no_browser,
            ready=_say_where,
            lan=lan,
            lan_ip=lan_address,
            disk_budget=disk_budget,
        )
        interrupts.check()  # the server stops on Ctrl-C or SIGTERM, then hands the signal on to us
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C or SIGTERM: how the app is meant to stop
        click.echo("companion has stopped.")
        raise click.exceptions.Exit(130) from None
    except AlreadyRunning as already:
        _open_the_running_one(already, port, lan, not no_browser)


def _open_the_running_one(already: AlreadyRunning, port: int, lan: bool, open_browser: bool) -> None:
    """A second `companion app` over the same journal: the running one is opened (or its
    address said), unless it was asked for what the running one does not do."""
    from companion import BadInput
    from companion.app.server import can_open_browser

    running = already.running
    if running is None:
        raise BadInput(
            "companion app is starting over this journal in another window; open the address it prints there"
        )
    where = f"http://127.0.0.1:{running.port}"
    if lan and running.pair_at is None or port not in (0, running.port):
        raise BadInput(
            f"companion app is already running over this journal, at {where}"
            + (" without the home network" if lan and running.pair_at is None else "")
            + "; stop it with Ctrl-C in its window, then start this again"
        )
    import webbrowser

    opened = open_browser and can_open_browser() and webbrowser.open(running.address)
    click.echo(f"companion is already open over this journal (process {running.pid}).")
    click.echo("It is open in your web browser now:" if opened else "Open this address in your web browser:")
    click.echo(f"  {running.address}")
    if running.pair_at is not None:
        click.echo(f"The home network reaches it at {running.pair_at}")


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
