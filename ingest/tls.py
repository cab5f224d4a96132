"""TLS for the SMTP door: the configured certificate, or in development a self-signed one made once."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infra.errors import ConfigurationError

logger = logging.getLogger(__name__)

SELF_SIGNED_DAYS = 825


def server_tls_context(
    *, cert: Path | None, key: Path | None, hostname: str, tls_dir: Path, allow_self_signed: bool
) -> ssl.SSLContext:
    """A server SSLContext (TLS 1.2+) from `cert`/`key`, else from a self-signed pair under `tls_dir`.

    Raises ConfigurationError when only one of cert/key is set, or none is set and self-signed
    certificates are not allowed (production).
    """
    if (cert is None) != (key is None):
        raise ConfigurationError("set both MCA_SMTP_TLS_CERT and MCA_SMTP_TLS_KEY, or neither")
    if cert is None or key is None:
        if not allow_self_signed:
            raise ConfigurationError("MCA_SMTP_TLS_CERT and MCA_SMTP_TLS_KEY are required in production")
        cert, key = ensure_self_signed(tls_dir, hostname)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"cannot load the SMTP TLS certificate {cert}: {exc}") from exc
    return context


def ensure_self_signed(tls_dir: Path, hostname: str) -> tuple[Path, Path]:
    """(cert, key) paths of a self-signed certificate for `hostname`, created on first use only."""
    cert_path, key_path = tls_dir / "smtp-cert.pem", tls_dir / "smtp-key.pem"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    tls_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.UTC)
    alt_names: list[x509.GeneralName] = [
        x509.DNSName(hostname),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    logger.info("created a self-signed SMTP certificate for %s at %s", hostname, cert_path)
    return cert_path, key_path
