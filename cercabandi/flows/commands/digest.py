"""``cercabandi digest``: build and send the digests of the current period (or write them to the outbox)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cercabandi.core.models import utcnow
from cercabandi.db.repo.subscriptions import SubscriptionError, get_subscription, resolve_stuck, stuck_deliveries
from cercabandi.db.session import transaction
from cercabandi.digest.build import build_digest, period_key
from cercabandi.digest.gather import gather_inputs, load_snapshot
from cercabandi.digest.render import render_digest
from cercabandi.digest.service import check_link_signing, reference_day, run_digests
from cercabandi.flows.context import console, err_console, load_context

app = typer.Typer(
    help="Send the e-mail digests (run without a sub-command), preview one, or settle stuck deliveries.",
    invoke_without_command=True,
)


@app.callback()
def digest_cmd(
    ctx: typer.Context,
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Write .eml files to the outbox instead of sending, and record nothing (automatic when no SMTP host is set).",
    ),
    period: str = typer.Option(
        None, "--period", help="A day (YYYY-MM-DD) whose daily/weekly period to build; default today."
    ),
    subscription: list[int] = typer.Option([], "--subscription", help="Only these subscription ids (repeatable)."),
) -> None:
    """Build and send the digests of every active subscription for the current period."""
    if ctx.invoked_subcommand is not None:
        return
    app_ctx = load_context()
    settings = app_ctx.settings
    if not dry_run and not settings.smtp_host:
        console.print("[yellow]No SMTP host configured (CERCABANDI_SMTP_HOST): writing to the outbox instead.[/]")
    try:
        check_link_signing(settings, dry_run=dry_run)
        report = run_digests(
            app_ctx.sessions,
            settings,
            now=utcnow(),
            dry_run=dry_run,
            period=period,
            subscription_ids=subscription or None,
        )
    except ValueError as exc:
        err_console.print(f"[red]Error:[/] {exc}")
        raise typer.Exit(2) from exc
    table = Table("id", "recipient", "period", "outcome", "items", "detail")
    for outcome in report.outcomes:
        colour = {"failed": "red", "stuck": "red", "sent": "green", "written": "green"}.get(outcome.status, "")
        table.add_row(
            str(outcome.subscription_id),
            outcome.email,
            outcome.period,
            f"[{colour}]{outcome.status}[/]" if colour else outcome.status,
            str(outcome.items or ""),
            outcome.detail,
        )
    console.print(table)
    console.print(report.summary())
    if report.failed or report.stuck:
        raise typer.Exit(1)


@app.command("preview")
def preview_cmd(
    subscription_id: int = typer.Argument(..., help="Subscription id (see `subscriptions list`)."),
    html: Path = typer.Option(None, "--html", help="Write the HTML part to this file."),
    text: Path = typer.Option(None, "--text", help="Write the text part (with the subject) to this file."),
) -> None:
    """Render what a subscription would receive now, without sending or recording anything."""
    app_ctx = load_context()
    settings, now = app_ctx.settings, utcnow()
    with app_ctx.sessions() as session:
        try:
            sub = get_subscription(session, subscription_id)
        except SubscriptionError as exc:
            err_console.print(f"[red]Error:[/] {exc}")
            raise typer.Exit(2) from exc
        inputs = gather_inputs(session, sub, load_snapshot(session, now=now, tz=settings.tz), now=now)
        key = period_key(sub.frequency, reference_day(now, settings, None))
    digest = build_digest(inputs, now=now, tz=settings.tz, period=key)
    if digest.is_empty:
        console.print(f"Nothing new for subscription {subscription_id}: no e-mail would be sent.")
        return
    rendered = render_digest(digest, settings=settings, now=now)
    if html:
        html.write_text(rendered.html, encoding="utf-8")
    if text:
        text.write_text(f"Subject: {rendered.subject}\n\n{rendered.text}", encoding="utf-8")
    if not html and not text:
        console.print(f"Subject: {rendered.subject}\n", markup=False)
        console.print(rendered.text, markup=False)


@app.command("stuck")
def stuck_cmd() -> None:
    """List deliveries interrupted between sending and recording (never resent automatically)."""
    app_ctx = load_context()
    table = Table("delivery", "subscription", "period", "Message-ID", "attempts")
    with app_ctx.sessions() as session:
        rows = stuck_deliveries(session, wall_now=utcnow())
        for row in rows:
            table.add_row(str(row.id), str(row.subscription_id), row.period, row.message_id or "", str(row.attempts))
    if not rows:
        console.print("No stuck deliveries.")
        return
    console.print(table)
    console.print(
        "Look each Message-ID up in the mail server's log, then run `cercabandi digest resolve ID --sent|--resend`."
    )


@app.command("resolve")
def resolve_cmd(
    delivery_id: int = typer.Argument(..., help="Delivery id (see `digest stuck`)."),
    sent: bool = typer.Option(
        None,
        "--sent/--resend",
        help="--sent: the mail server accepted it; --resend: it did not, send it again on the next run.",
    ),
) -> None:
    """Settle a stuck delivery once you know whether the mail server accepted it."""
    if sent is None:
        err_console.print("[red]Error:[/] say --sent (it was delivered) or --resend (it was not)")
        raise typer.Exit(2)
    app_ctx = load_context()
    try:
        with transaction(app_ctx.sessions) as session:
            row = resolve_stuck(session, delivery_id, was_sent=sent, now=utcnow())
            console.print(f"Delivery {row.id} marked {row.status}.")
    except SubscriptionError as exc:
        err_console.print(f"[red]Error:[/] {exc}")
        raise typer.Exit(2) from exc


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="digest")
