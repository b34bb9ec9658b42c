"""``cercabandi users``: accounts of the review application (the first admin is created here)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from cercabandi.core.models import utcnow
from cercabandi.core.vocab import Role
from cercabandi.db.models import User
from cercabandi.db.repo.users import UserError, create_user, get_user, list_users, set_active, set_password
from cercabandi.db.session import transaction
from cercabandi.flows.commands._common import require_schema
from cercabandi.flows.context import console, err_console, load_context

app = typer.Typer(help="Manage the users of the review application.", no_args_is_help=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    """A refused change (unknown user, weak password, taken name) ends the command with its reason."""
    try:
        yield
    except UserError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


def _change_user(sessions: sessionmaker[Session], username: str, change: Callable[[Session, User], None]) -> None:
    with _user_errors(), transaction(sessions) as session:
        user = get_user(session, username)
        if user is None:
            raise UserError(f"no user named {username!r}", "")
        change(session, user)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            err_console.print("[red]No password on standard input.[/]")
            raise typer.Exit(2)
        return line.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name (lowercase letters, digits, . _ @ -)."),
    role: Role = typer.Option(Role.VOLUNTEER, "--role", help="admin, staff or volunteer."),
    email: str = typer.Option("", help="E-mail address (optional)."),
    full_name: str = typer.Option("", "--full-name", help="Name shown in the application (optional)."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of standard input instead of prompting."
    ),
) -> None:
    """Create a user; prompts for the password (at least 10 characters)."""
    ctx = load_context()
    require_schema(ctx)  # before asking for a password that could not be stored
    password = _read_password(password_stdin)
    with _user_errors(), transaction(ctx.sessions) as session:
        user = create_user(session, username, password, role.value, now=utcnow(), email=email, full_name=full_name)
        name, user_role = user.username, user.role
    console.print(f"User [bold]{name}[/] created with role {user_role}.")


@app.command("list")
def list_cmd() -> None:
    """List users with role and state."""
    ctx = load_context()
    table = Table("username", "role", "active", "name", "email", "created")
    with ctx.sessions() as session:
        for user in list_users(session):
            table.add_row(
                user.username,
                user.role,
                "yes" if user.active else "no",
                user.full_name or "",
                user.email or "",
                user.created_at.strftime("%Y-%m-%d"),
            )
    console.print(table)


@app.command("passwd")
def passwd(
    username: str = typer.Argument(..., help="The user whose password changes."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the new password from standard input."),
) -> None:
    """Set a user's password (e.g. a forgotten one)."""
    ctx = load_context()
    require_schema(ctx)  # before asking for a password that could not be stored
    password = _read_password(password_stdin)
    _change_user(ctx.sessions, username, lambda session, user: set_password(session, user, password))
    console.print(f"Password of [bold]{username}[/] changed.")


@app.command("deactivate")
def deactivate(username: str = typer.Argument(..., help="The user who may no longer log in.")) -> None:
    """Stop a user from logging in (their reviews are kept)."""
    ctx = load_context()
    _change_user(ctx.sessions, username, lambda session, user: set_active(session, user, False))
    console.print(f"User [bold]{username}[/] deactivated.")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="users")
