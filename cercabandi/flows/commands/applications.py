"""``cercabandi applications``: applications in network (candidature), their partners, status and history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Annotated, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from cercabandi.core.applications import Application, MonitoringError, parse_status
from cercabandi.core.fmt_it import euro
from cercabandi.core.models import utcnow
from cercabandi.core.vocab import ApplicationStatus, PartnerKind, label_it
from cercabandi.db.repo import applications as repo
from cercabandi.db.repo import triage
from cercabandi.db.session import transaction
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import AppContext, console, err_console, load_context

app = typer.Typer(
    help="Applications in network: open one from a call, add partners and documents, move its status.",
    no_args_is_help=True,
)

T = TypeVar("T")


def today_in(ctx: AppContext) -> date:
    return utcnow().astimezone(ctx.settings.tz).date()


@contextmanager
def refused() -> Iterator[None]:
    """Bad input ends the command with its reason and exit status 1; nothing was written."""
    try:
        yield
    except MonitoringError as exc:
        err_console.print(f"[red]Refused, nothing changed:[/] {exc}")
        raise typer.Exit(1) from None


def run_change(change: Callable[[Session, AppContext], T]) -> T:
    """Run one change in one transaction against a migrated database."""
    ctx = load_context()
    require_schema(ctx)
    with refused(), transaction(ctx.sessions) as session:
        return change(session, ctx)


def _pairs(values: list[str] | None, what: str) -> list[tuple[str, str]]:
    """'ID:role' (role optional) -> (ID, role)."""
    pairs = []
    for value in values or []:
        ref, _, role = value.partition(":")
        if not ref.strip():
            raise MonitoringError(f"{what} {value!r}: write ID or ID:role")
        pairs.append((ref.strip(), role.strip() or "partner"))
    return pairs


def _amount(value: str | None) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        return Decimal(value.replace(".", "").replace(",", ".") if "," in value else value)
    except ArithmeticError:
        raise MonitoringError(f"amount {value!r} is not a number") from None


@app.command("org-add")
def org_add(
    org_id: Annotated[str, typer.Argument(help="A short id for the organisation, e.g. 'coop-lotta'.")],
    name: Annotated[str, typer.Option("--name", help="Its full name.")],
    kind: Annotated[PartnerKind, typer.Option(help="third_sector or other.")] = PartnerKind.THIRD_SECTOR,
    email: Annotated[str | None, typer.Option(help="Contact e-mail (private, never published).")] = None,
) -> None:
    """Register a partner organisation (third sector or other) that applications can name."""
    run_change(lambda s, _c: repo.add_organisation(s, org_id, name, kind, now=utcnow(), contact_email=email))
    console.print(f"Organisation [bold]{org_id}[/] added.")


@app.command("create")
def create(
    title: Annotated[str, typer.Option("--title", help="What the application is for.")],
    call: Annotated[str | None, typer.Option(help="The id of the call applied for.")] = None,
    lead: Annotated[str | None, typer.Option(help="ISTAT code of the lead comune (capofila).")] = None,
    lead_name: Annotated[
        str | None, typer.Option("--lead-name", help="Name of the lead body when it is not a comune.")
    ] = None,
    project: Annotated[list[str] | None, typer.Option(help="A project bundled in it (repeatable).")] = None,
    comune: Annotated[
        list[str] | None, typer.Option(help="A partner comune as ISTAT or ISTAT:role (repeatable).")
    ] = None,
    partner: Annotated[
        list[str] | None, typer.Option(help="A partner organisation as ID or ID:role (repeatable).")
    ] = None,
    requested: Annotated[str | None, typer.Option(help="Amount requested in euro.")] = None,
    cofinancing: Annotated[str | None, typer.Option(help="Co-financing in euro.")] = None,
    deadline: Annotated[
        str | None, typer.Option(help="When it is due (YYYY-MM-DD); the call's deadline when left out.")
    ] = None,
    status: Annotated[str, typer.Option(help="idea or in_preparation.")] = "idea",
    on: Annotated[str | None, typer.Option(help="Date of this first status (YYYY-MM-DD); today when left out.")] = None,
    note: Annotated[str | None, typer.Option(help="A private note.")] = None,
    from_network: Annotated[
        bool,
        typer.Option(
            "--from-network",
            help="Invite the comuni of the matcher's 'projects in network' suggestion for --call, with their projects.",
        ),
    ] = False,
) -> None:
    """Open an application: the call, the lead, partner comuni and organisations, projects and amounts."""

    def change(session: Session, ctx: AppContext) -> int:
        draft = repo.NewApplication(
            title=title,
            call_id=call,
            lead_istat=lead,
            lead_name=lead_name,
            project_ids=list(project or []),
            comuni=_pairs(comune, "comune"),
            organisations=_pairs(partner, "partner"),
            amount_requested=_amount(requested),
            cofinancing=_amount(cofinancing),
            deadline_on=date.fromisoformat(deadline) if deadline else None,
            status=parse_status(status),
            on=date.fromisoformat(on) if on else None,
            note=note,
        )
        if from_network:
            invite_network(session, draft)
        return repo.create_application(session, draft, now=utcnow(), today=today_in(ctx), by="cli")

    app_id = run_change(change)
    console.print(f"Application [bold]{app_id}[/] opened.")


def invite_network(session: Session, draft: repo.NewApplication) -> None:
    """Add the comuni (and their best projects) of the stored 'projects in network' suggestion for the call."""
    if draft.call_id is None:
        raise MonitoringError("--from-network needs --call")
    suggestions = triage.projects_in_network(triage.matches_for_call(session, draft.call_id))
    if not suggestions:
        raise MonitoringError(f"no projects in network for {draft.call_id!r}: fewer than two comuni match it")
    for item in suggestions:
        if draft.lead_istat is None and draft.lead_name is None:
            draft.lead_istat = item.comune.istat
        elif item.comune.istat != draft.lead_istat:
            draft.comuni.append((item.comune.istat, "partner"))
        draft.project_ids.append(item.project.id)


@app.command("suggest")
def suggest(call: Annotated[str, typer.Argument(help="The id of the call.")]) -> None:
    """The comuni to invite to an application in network for a call (the matcher's suggestion)."""
    ctx = load_context()
    require_schema(ctx)
    with ctx.sessions() as session:
        suggestions = triage.projects_in_network(triage.matches_for_call(session, call))
    if not suggestions:
        console.print("No projects in network: fewer than two comuni have a matching project.")
        return
    table = Table("comune", "ISTAT", "project", "score", title=f"Comuni to invite for {call}")
    for item in suggestions:
        table.add_row(
            item.comune.name, item.comune.istat, f"{item.project.id} {item.project.title}", f"{item.score:.3f}"
        )
    console.print(table)


@app.command("status")
def status_cmd(
    app_id: Annotated[int, typer.Argument(help="The application number.")],
    new: Annotated[str, typer.Argument(help="The new status (e.g. submitted, funded, 'non finanziata').")],
    on: Annotated[str | None, typer.Option(help="The date of the change (YYYY-MM-DD); today when left out.")] = None,
    note: Annotated[str | None, typer.Option(help="Why, or what happened.")] = None,
    granted: Annotated[str | None, typer.Option(help="Amount granted in euro (with 'funded').")] = None,
) -> None:
    """Move an application to a new status, with its date and a note (kept in the history)."""

    def change(session: Session, ctx: AppContext) -> None:
        today = today_in(ctx)
        repo.change_status(
            session,
            app_id,
            parse_status(new),
            on=date.fromisoformat(on) if on else today,
            today=today,
            now=utcnow(),
            note=note,
            by="cli",
            amount_granted=_amount(granted),
        )

    run_change(change)
    console.print(f"Application {app_id} is now [bold]{label_it(parse_status(new))}[/].")


@app.command("edit")
def edit(
    app_id: Annotated[int, typer.Argument(help="The application number.")],
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    requested: Annotated[str | None, typer.Option(help="Amount requested in euro.")] = None,
    cofinancing: Annotated[str | None, typer.Option(help="Co-financing in euro.")] = None,
    deadline: Annotated[str | None, typer.Option(help="When it is due (YYYY-MM-DD).")] = None,
    note: Annotated[str | None, typer.Option(help="A private note (replaces the current one).")] = None,
) -> None:
    """Change the title, amounts, deadline or note of an application (only the options given)."""
    run_change(
        lambda s, _c: repo.update_application(
            s,
            app_id,
            now=utcnow(),
            title=title,
            amount_requested=_amount(requested),
            cofinancing=_amount(cofinancing),
            deadline_on=date.fromisoformat(deadline) if deadline else None,
            note=note,
        )
    )
    console.print(f"Application {app_id} updated.")


@app.command("partner")
def partner_cmd(
    app_id: Annotated[int, typer.Argument(help="The application number.")],
    ref: Annotated[str, typer.Argument(help="A comune's ISTAT code or an organisation id.")],
    role: Annotated[str, typer.Option(help="Its role in the application.")] = "partner",
) -> None:
    """Add a partner comune or organisation to an application."""
    run_change(lambda s, _c: repo.add_partner(s, app_id, ref, role, now=utcnow()))
    console.print("Partner added.")


@app.command("project")
def project_cmd(
    app_id: Annotated[int, typer.Argument(help="The application number.")],
    project_id: Annotated[str, typer.Argument(help="The id of a project of the catalogue.")],
) -> None:
    """Bundle one more project in an application."""
    run_change(lambda s, _c: repo.add_project(s, app_id, project_id, now=utcnow()))
    console.print("Project added.")


@app.command("doc")
def doc(
    app_id: Annotated[int, typer.Argument(help="The application number.")],
    url: Annotated[str, typer.Argument(help="The link to the document.")],
    title: Annotated[str, typer.Option(help="What the document is.")] = "",
) -> None:
    """Attach a document link to an application."""
    run_change(lambda s, _c: repo.add_document(s, app_id, title, url, now=utcnow()))
    console.print("Document added.")


@app.command("publish")
def publish(
    app_id: Annotated[int, typer.Argument(help="The application number.")],
    story: Annotated[str | None, typer.Option(help="The short public story of the project.")] = None,
    good_practice: Annotated[
        str | None, typer.Option("--good-practice", help="Flag it as a good practice, with this text.")
    ] = None,
    hide: Annotated[bool, typer.Option("--hide", help="Take it off the public site.")] = False,
) -> None:
    """Show a project on the public site (with a short story), or flag it as a good practice."""
    run_change(
        lambda s, _c: repo.set_publication(
            s, app_id, public=not hide, now=utcnow(), story=story, good_practice=None if hide else good_practice
        )
    )
    console.print("Hidden from the public site." if hide else "Public on the site.")


@app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option(help="Only applications with this status.")] = None,
    call: Annotated[str | None, typer.Option(help="Only applications for this call.")] = None,
    staff_only: Annotated[
        bool,
        typer.Option(
            "--staff-only/--all", help="Leave out funded projects imported from open data (--all: list them too)."
        ),
    ] = True,
) -> None:
    """List applications with their status, lead and amounts."""
    ctx = load_context()
    require_schema(ctx)
    with refused(), ctx.sessions() as session:
        found = repo.list_applications(session, status=parse_status(status) if status else None, call_id=call)
    table = Table("n.", "title", "status", "lead", "requested", "granted", "due", title="Applications")
    for item in found:
        if staff_only and item.origin != "staff":
            continue
        table.add_row(
            str(item.id),
            item.title,
            label_it(item.status),
            item.lead_name,
            euro(item.amount_requested) if item.amount_requested is not None else "",
            euro(item.amount_granted) if item.amount_granted is not None else "",
            item.deadline_on.isoformat() if item.deadline_on else "",
        )
    console.print(table)


@app.command("show")
def show(app_id: Annotated[int, typer.Argument(help="The application number.")]) -> None:
    """Everything about one application: partners, projects, history, documents, monitoring."""
    ctx = load_context()
    require_schema(ctx)
    with ctx.sessions() as session:
        item = repo.get_application(session, app_id)
    if item is None:
        err_console.print(f"[red]No application {app_id}.[/]")
        raise typer.Exit(1)
    _print_application(item)


def _print_application(item: Application) -> None:
    console.print(f"[bold]{item.id}. {item.title}[/] — {label_it(item.status)}")
    console.print(f"Call: {item.call_title or item.call_id or '—'}  Funding: {item.funding_source or '—'}")
    console.print(f"Lead (capofila): {item.lead_name}")
    for p in item.partners:
        console.print(f"  partner: {p.name} ({label_it(p.kind)}) — {p.role}")
    for project in item.projects:
        console.print(f"  project: {project.id} {project.title}")
    console.print("History:")
    for change in item.history:
        before = label_it(change.from_status) if change.from_status else "—"
        console.print(f"  {change.on}  {before} → {label_it(change.to_status)}  {change.note or ''}")
    for d in item.documents:
        console.print(f"  document: {d.title} {d.url}")
    for m in item.milestones:
        console.print(f"  milestone {m.id}: {m.title} due {m.due_on} {'done ' + str(m.done_on) if m.done_on else ''}")
    for r in item.reporting:
        sent = f"submitted {r.submitted_on}" if r.submitted_on else ""
        console.print(f"  reporting {r.id}: {r.title} due {r.due_on} {sent}")
    for u in item.progress:
        console.print(
            f"  progress {u.as_of}: {label_it(u.stage)} spending {u.spending_pct} works {u.works_pct} ({u.source})"
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="applications")


__all__ = ["ApplicationStatus", "refused", "register", "run_change", "today_in"]
