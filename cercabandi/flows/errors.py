"""Known failures of the command line as one line a person can act on, never a traceback.

Misconfiguration (a malformed or unreachable database URL, a missing database driver, an invalid
``CERCABANDI_*`` setting) is not a bug: the CLI reports it in one line and exits with status 2.
Anything not recognised here is a bug and keeps its traceback.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator

import pydantic
from sqlalchemy import exc as sa_exc

from cercabandi.core.settings import Settings, redact_url

EXIT_CONFIG = 2
URL_HELP = (
    "set CERCABANDI_DATABASE_URL to e.g. postgresql+psycopg://USER:PASSWORD@HOST/DB, "
    "or unset it to use SQLite in the data directory"
)
# Where SQLAlchemy parses a URL and loads its dialect: an ArgumentError raised there is about the URL.
_URL_CODE = ("sqlalchemy/engine/create.py", "sqlalchemy/engine/url.py")


def explain(error: BaseException) -> str | None:
    """The one-line explanation of a known configuration failure, or None for anything else."""
    for exc in _chain(error):
        if isinstance(exc, pydantic.ValidationError) and exc.title == Settings.__name__:
            return _settings_message(exc)
        if isinstance(exc, sa_exc.NoSuchModuleError) or (
            isinstance(exc, sa_exc.ArgumentError) and _raised_in(exc, _URL_CODE)
        ):
            return f"the database URL {_database_url()} is not valid ({exc}): {URL_HELP}."
        if isinstance(exc, ModuleNotFoundError) and _raised_in(exc, ("sqlalchemy/dialects/",)):
            return (
                f"the database URL {_database_url()} needs the Python driver {exc.name!r}, which is not "
                f"installed: cercabandi supports sqlite:/// and postgresql+psycopg:// URLs."
            )
        if isinstance(exc, sa_exc.OperationalError):
            return _operational_message(exc)
        if (
            isinstance(exc, sa_exc.ProgrammingError)
            and "relation" in str(exc.orig)
            and "does not exist" in str(exc.orig)
        ):
            return f"the database {_database_url()} has no schema or an old one: run `cercabandi db upgrade`."
        if isinstance(exc, OSError) and _last_own_frame(exc) in ("ensure_dirs", "make_engine"):
            return (
                f"cannot create the folder {exc.filename or ''}: {exc.strerror or exc}. Set CERCABANDI_DATA_DIR "
                "(or the SQLite path in CERCABANDI_DATABASE_URL) to a folder this user can write."
            )
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _raised_in(exc: BaseException, paths: tuple[str, ...]) -> bool:
    files = [frame.filename.replace("\\", "/") for frame in traceback.extract_tb(exc.__traceback__)]
    return any(part in name for name in files for part in paths)


def _last_own_frame(exc: BaseException) -> str | None:
    """The name of the innermost function of ours the exception passed through."""
    own = [f.name for f in traceback.extract_tb(exc.__traceback__) if "/cercabandi/" in f.filename.replace("\\", "/")]
    return own[-1] if own else None


def _settings_message(exc: pydantic.ValidationError) -> str:
    # Never the input value: it may be a password.
    problems = [
        f"CERCABANDI_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False)
    ]
    return "invalid setting " + "; ".join(problems) + " (environment or .env file)."


def _operational_message(exc: sa_exc.OperationalError) -> str:
    url = _database_url()
    detail = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc).splitlines()[0]
    detail = detail.rstrip(" .?!:")
    secret = _password()
    if secret:
        detail = detail.replace(secret, "********")
    lowered = detail.lower()
    if "no such table" in lowered:
        hint = "the schema is missing or old: run `cercabandi db upgrade`"
    elif "locked" in lowered:
        hint = "another cercabandi process is writing to the database: try again when it has finished"
    elif url.startswith("sqlite"):
        hint = "check that CERCABANDI_DATA_DIR (or the path in CERCABANDI_DATABASE_URL) is a writable folder"
    else:
        hint = "check CERCABANDI_DATABASE_URL (host, port, user, password, database) and that the server is running"
    return f"cannot use the database {url}: {detail}. {hint[0].upper()}{hint[1:]}."


def _settings() -> Settings | None:
    try:
        return Settings()
    except Exception:  # the settings themselves may be what is broken
        return None


def _database_url() -> str:
    settings = _settings()
    if settings is None:
        return "(unreadable settings)"
    return safe_url(settings.resolved_database_url)


def _password() -> str | None:
    settings = _settings()
    if settings is None or settings.database_url is None:
        return None
    url = settings.database_url.get_secret_value()
    _, sep, rest = url.partition("://")
    credentials = rest.rsplit("@", 1)[0] if sep and "@" in rest else ""
    return credentials.split(":", 1)[1] if ":" in credentials else None


def safe_url(url: str) -> str:
    """``redact_url`` also for malformed URLs: whatever stands before an ``@`` may be a password."""
    if "://" not in url and "@" in url:
        return "********@" + url.rsplit("@", 1)[1]
    return redact_url(url)
