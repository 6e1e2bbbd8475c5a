"""``fsapp demo``: the whole contact center on the simulated switch, with synthetic callers and operators."""

from __future__ import annotations

import click

from fsapp.commands.common import config_from, print_json, print_table
from fsapp.errors import FsappError


@click.command("demo")
@click.option("--calls", type=int, default=12, show_default=True, help="How many citizens call.")
@click.option("--speed", type=float, default=20.0, show_default=True, help="Simulated seconds per real second.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same callers.")
@click.option("--db", "db_url", default="sqlite:///var/demo.db", show_default=True, help="Database for the run.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of tables.")
@click.pass_context
def demo(ctx: click.Context, calls: int, speed: float, seed: int, db_url: str, as_json: bool) -> None:
    """Run the configured menus and queues against the simulated switch and show what happened."""
    from fsapp.demo import run_demo

    config = config_from(ctx, database__url=db_url)
    click.echo(f"simulating {calls} calls at {speed:g}x real time...", err=True)
    try:
        result = run_demo(config, calls=calls, speed=speed, seed=seed)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json({"calls": result.calls, "queues": result.queues, "channels": result.channels,
                    "work": result.work, "wall_seconds": result.wall_seconds})
        return
    print_table(["caller", "menu path", "queue", "outcome", "agent"],
                [[c["caller_number"], c["ivr_path"], c["queue"] or "", c["outcome"], c["agent"] or ""]
                 for c in result.calls])
    click.echo("")
    print_table(["queue", "agents staffed", "waiting", "average handle s"],
                [[q["queue"], q["staffed"], q["waiting"], round(q["average_handle_time"])] for q in result.queues])
    click.echo("")
    print_table(["channel", "direction", "contacts"],
                [[row["channel"], row["direction"], row["contacts"]] for row in result.channels])
    for line in result.work:
        click.echo(line)
    click.echo(f"\n{len(result.calls)} calls in {result.wall_seconds} s of wall time")


COMMANDS = [demo]
