"""``cercabandi subscriptions``: who receives the digests, and about what."""

from __future__ import annotations

import typer
from rich.table import Table

from cercabandi.core.models import utcnow
from cercabandi.core.themes import theme_label
from cercabandi.db.repo.subscriptions import (
    DEFAULT_MIN_SCORE,
    SubscriptionError,
    create_subscription,
    delete_subscription,
    list_subscriptions,
    set_active,
    update_subscription,
)
from cercabandi.db.session import transaction
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context

app = typer.Typer(
    help="Manage digest subscriptions: recipient, scope (comuni, themes, projects), frequency, item cap.",
    no_args_is_help=True,
)


def _fail(exc: Exception) -> None:
    err_console.print(f"[red]Error:[/] {exc}")
    raise typer.Exit(2)


@app.command("add")
def add_cmd(
    email: str = typer.Argument(..., help="Recipient e-mail address."),
    name: str = typer.Option(None, "--name", help="Recipient's name or office, used in the greeting."),
    comune: list[str] = typer.Option(
        [], "--comune", help="Limit to projects of this comune (name or ISTAT code; repeatable)."
    ),
    theme: list[str] = typer.Option(
        [], "--theme", help="Limit to projects with this theme, by Italian label or slug (repeatable)."
    ),
    project: list[str] = typer.Option([], "--project", help="Always include this project id (repeatable)."),
    frequency: str = typer.Option(
        "weekly", "--frequency", help="daily or weekly (weekly: the first run of each ISO week)."
    ),
    cap: int = typer.Option(20, "--cap", help="Most calls in one digest; the rest come in the next one."),
    min_score: float = typer.Option(
        DEFAULT_MIN_SCORE, "--min-score", help="Only matches with at least this score (0-1)."
    ),
) -> None:
    """Subscribe a recipient. With no --comune/--theme/--project the digest covers everything."""
    ctx = load_context()
    try:
        with transaction(ctx.sessions) as session:
            row = create_subscription(
                session,
                email=email,
                name=name,
                comuni=comune,
                themes=theme,
                projects=project,
                frequency=frequency,
                item_cap=cap,
                min_score=min_score,
                now=utcnow(),
            )
            console.print(f"Subscription [bold]{row.id}[/] created for {row.email} ({row.frequency}).")
    except SubscriptionError as exc:
        _fail(exc)


@app.command("list")
def list_cmd(
    all_: bool = typer.Option(
        True, "--all/--active", help="Show paused and unsubscribed ones too (default) or only active ones."
    ),
) -> None:
    """List subscriptions with their scope and state."""
    ctx = load_context()
    table = Table("id", "e-mail", "name", "scope", "frequency", "cap", "min score", "state")
    with ctx.sessions() as session:
        for row in list_subscriptions(session, active_only=not all_):
            scope = "; ".join(
                part
                for part in (
                    f"comuni {', '.join(row.comuni)}" if row.comuni else "",
                    f"themes {', '.join(theme_label(t) for t in row.themes)}" if row.themes else "",
                    f"projects {', '.join(row.projects)}" if row.projects else "",
                )
                if part
            )
            state = "active" if row.active else ("unsubscribed" if row.unsubscribed_at else "paused")
            table.add_row(
                str(row.id),
                row.email,
                row.name or "",
                scope or "everything",
                row.frequency,
                str(row.item_cap),
                f"{row.min_score:g}",
                state,
            )
    console.print(table)


@app.command("update")
def update_cmd(
    subscription_id: int = typer.Argument(..., help="Subscription id (see `subscriptions list`)."),
    name: str = typer.Option(None, "--name", help="New name."),
    comune: list[str] = typer.Option(None, "--comune", help="Replace the comuni (repeatable)."),
    theme: list[str] = typer.Option(None, "--theme", help="Replace the themes (repeatable)."),
    project: list[str] = typer.Option(None, "--project", help="Replace the projects (repeatable)."),
    frequency: str = typer.Option(None, "--frequency", help="daily or weekly."),
    cap: int = typer.Option(None, "--cap", help="New item cap."),
    min_score: float = typer.Option(None, "--min-score", help="New minimum match score."),
) -> None:
    """Change a subscription; options not given stay as they are."""
    ctx = load_context()
    try:
        with transaction(ctx.sessions) as session:
            update_subscription(
                session,
                subscription_id,
                name=name,
                comuni=comune or None,
                themes=theme or None,
                projects=project or None,
                frequency=frequency,
                item_cap=cap,
                min_score=min_score,
            )
    except SubscriptionError as exc:
        _fail(exc)
    console.print(f"Subscription {subscription_id} updated.")


@app.command("pause")
def pause_cmd(subscription_id: int = typer.Argument(..., help="Subscription id.")) -> None:
    """Stop sending digests to a subscription, keeping its history."""
    _set(subscription_id, False)


@app.command("resume")
def resume_cmd(subscription_id: int = typer.Argument(..., help="Subscription id.")) -> None:
    """Send digests again to a paused or unsubscribed subscription."""
    _set(subscription_id, True)


def _set(subscription_id: int, active: bool) -> None:
    ctx = load_context()
    try:
        with transaction(ctx.sessions) as session:
            set_active(session, subscription_id, active)
    except SubscriptionError as exc:
        _fail(exc)
    console.print(f"Subscription {subscription_id} {'resumed' if active else 'paused'}.")


@app.command("remove")
def remove_cmd(
    subscription_id: int = typer.Argument(..., help="Subscription id."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Delete a subscription and its delivery history (use `pause` to keep the history)."""
    ctx = load_context()
    require_schema(ctx)  # before asking to confirm what cannot be done
    if not yes:
        typer.confirm(f"Delete subscription {subscription_id} and its delivery history?", abort=True)
    try:
        with transaction(ctx.sessions) as session:
            delete_subscription(session, subscription_id)
    except SubscriptionError as exc:
        _fail(exc)
    console.print(f"Subscription {subscription_id} removed.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="subscriptions")
