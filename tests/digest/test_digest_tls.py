"""SMTP over STARTTLS and over implicit TLS, with login, against aiosmtpd on loopback with a throwaway certificate."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from digest_world import READY_TIMEOUT, Mailbox, World, _Authenticator, _free_port
from sqlalchemy import select

from cercabandi.core.settings import Settings
from cercabandi.db.models import DigestDelivery
from cercabandi.digest.send import SendError, SmtpTransport
from cercabandi.digest.service import run_digests

x509 = pytest.importorskip("cryptography.x509")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    start = datetime.now(UTC) - timedelta(hours=1)  # a certificate is checked against the real clock
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def _client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture(params=["starttls", "ssl"])
def tls_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]) -> Iterator[tuple[str, Mailbox, int]]:
    mailbox, port = Mailbox(), _free_port()
    common = {
        "hostname": "127.0.0.1",
        "port": port,
        "authenticator": _Authenticator(mailbox),
        "ready_timeout": READY_TIMEOUT,  # the 5 s default is too short on a loaded machine
    }
    if request.param == "starttls":
        # login is refused before STARTTLS: a password never crosses the wire in clear
        controller = Controller(
            mailbox, tls_context=_server_context(certificate), require_starttls=True, auth_require_tls=True, **common
        )
    else:
        # aiosmtpd only counts STARTTLS as TLS for AUTH; here the whole connection is TLS from the start
        controller = Controller(mailbox, ssl_context=_server_context(certificate), auth_require_tls=False, **common)
    controller.start()
    try:
        yield request.param, mailbox, port
    finally:
        controller.stop()


def test_digests_go_through_tls_with_login(
    world: World,
    settings: Settings,
    tls_server: tuple[str, Mailbox, int],
    certificate: tuple[Path, Path],
    now: datetime,
) -> None:
    mode, mailbox, port = tls_server
    tls_settings = settings.model_copy(
        update={"smtp_port": port, "smtp_starttls": mode == "starttls", "smtp_ssl": mode == "ssl"}
    )
    transport = SmtpTransport(tls_settings, ssl_context=_client_context(certificate))
    report = run_digests(world.sessions, tls_settings, now=now, transport=transport, subscription_ids=[world.staff])
    assert report.sent == 1, report.outcomes
    assert mailbox.logins == ["digest"] and len(mailbox.messages) == 1


def test_an_untrusted_certificate_fails_the_delivery_without_leaking_the_password(
    world: World, settings: Settings, tls_server: tuple[str, Mailbox, int], now: datetime
) -> None:
    mode, mailbox, port = tls_server
    tls_settings = settings.model_copy(
        update={"smtp_port": port, "smtp_starttls": mode == "starttls", "smtp_ssl": mode == "ssl"}
    )
    report = run_digests(world.sessions, tls_settings, now=now, subscription_ids=[world.staff])
    assert report.failed == 1 and not mailbox.messages
    assert "CERTIFICATE_VERIFY_FAILED" in report.outcomes[0].detail
    with world.sessions() as s:
        error = s.scalar(select(DigestDelivery.error))
    assert error and "s3cret-pw" not in error and "s3cret-pw" not in report.outcomes[0].detail


def test_the_transport_refuses_to_start_without_a_host(settings: Settings) -> None:
    with pytest.raises(ValueError, match="CERCABANDI_SMTP_HOST"):
        SmtpTransport(settings.model_copy(update={"smtp_host": None}))
    assert issubclass(SendError, RuntimeError)
