"""``fsapp simulate``: a day of the contact center on the simulated switch, and staffing by simulation."""

from __future__ import annotations

import click

from fsapp.commands.common import config_from, print_json, print_table
from fsapp.errors import FsappError

COLUMNS = ["queue", "offered", "answered", "abandoned", "callbacks", "SL", "ASA s", "occupancy",
           "longest s", "agents", "Erlang C SL", "Erlang C ASA", "Erlang A SL", "Erlang A abandon"]


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _row(name: str, figures: dict) -> list:
    c, a = figures.get("erlang_c") or {}, figures.get("erlang_a") or {}
    return [name, figures["offered"], figures["answered"], figures["abandoned"], figures["callbacks"],
            _percent(figures["service_level"]), figures["average_speed_of_answer"] or "",
            _percent(figures["occupancy"]), figures["longest_wait"], figures["agents"],
            _percent(c.get("service_level")), c.get("average_speed_of_answer", ""),
            _percent(a.get("service_level")), _percent(a.get("abandoned"))]


def _target(text: str) -> tuple[float, float]:
    try:
        percent, seconds = text.split("/")
        return float(percent) / 100, float(seconds)
    except ValueError:
        raise click.BadParameter(f"{text!r}: write PERCENT/SECONDS, e.g. 80/20") from None


@click.command("simulate")
@click.option("--hours", type=float, default=8.0, show_default=True, help="Length of the simulated day.")
@click.option("--calls-per-hour", type=float, help="Poisson arrivals at this rate.")
@click.option("--arrivals", "arrivals_file", type=click.Path(dir_okay=False),
              help="CSV with a 'calls' column: calls in each hour.")
@click.option("--agents", type=int, help="How many of the configured agents log in (default: all).")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same day.")
@click.option("--patience", type=float, default=180.0, show_default=True,
              help="Callers' mean patience on hold, seconds (0: they never give up).")
@click.option("--callback-share", type=float, default=0.05, show_default=True,
              help="Share of callers who ask to be called back while on hold.")
@click.option("--handle-time", type=float, help="Operators' mean talk seconds (default: each queue's).")
@click.option("--staffing", is_flag=True, help="Find the fewest operators per hour meeting --target.")
@click.option("--target", default="80/20", show_default=True, help="Service level for --staffing: PERCENT/SECONDS.")
@click.option("--speed", type=float,
              help="At most this many simulated seconds per real second (default: as fast as it can).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of tables.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False), help="Draw the day into this PNG.")
@click.pass_context
def simulate(ctx: click.Context, hours: float, calls_per_hour: float | None, arrivals_file: str | None,
             agents: int | None, seed: int, patience: float, callback_share: float, handle_time: float | None,
             staffing: bool, target: str, speed: float | None, as_json: bool, plot_file: str | None) -> None:
    """Run the configured menus, queues and operators through a synthetic day and compare with Erlang."""
    from fsapp.simulate import SimulationSettings, find_staffing
    from fsapp.simulate import simulate as run
    from fsapp.simulate.operators import OperatorProfile, working_day_breaks
    from fsapp.simulate.traffic import CallerProfile, read_arrivals_csv

    if (calls_per_hour is None) == (arrivals_file is None):
        raise click.UsageError("give exactly one of --calls-per-hour and --arrivals")
    config = config_from(ctx)
    try:
        per_hour = read_arrivals_csv(arrivals_file) if arrivals_file else None
        settings = SimulationSettings(
            hours=float(len(per_hour)) if per_hour is not None else hours, calls_per_hour=calls_per_hour,
            arrivals_per_hour=per_hour, agents=agents, seed=seed, speed=speed,
            callers=CallerProfile(patience=patience or None, callback_share=callback_share),
            operators=OperatorProfile(handle_time=handle_time, breaks=working_day_breaks(hours)))
        if staffing:
            share, seconds = _target(target)
            table = find_staffing(config, settings, share, seconds)
            if as_json:
                print_json({"target": {"share": share, "seconds": seconds}, "hours": table})
                return
            print_table(["hour", "operators", "service level"],
                        [[row["hour"], row["operators"], _percent(row["service_level"])] for row in table])
            return
        report, day = run(config, settings)
        if plot_file:
            from fsapp.simulate.plot import plot_day
            plot_day(day, plot_file)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json(report)
        return
    print_table(COLUMNS, [_row(name, figures) for name, figures in report["queues"].items()]
                + [_row("overall", report["overall"])])
    click.echo(f"\n{report['overall']['calls']} calls, {report['simulated_seconds'] / 3600:.1f} simulated hours "
               f"in {report['wall_seconds']} s of wall time")


COMMANDS = [simulate]
