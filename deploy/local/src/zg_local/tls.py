"""A certificate authority of this machine's own and a server certificate signed by it, for a
local broker that speaks TLS as a managed cluster does (tests of the cluster settings). The
files are PEM: `ca.pem` for the clients to trust (ZG_KAFKA_SSL_CAFILE), `<name>.pem` the
server's private key (PKCS#8, unencrypted) and certificate chain, as Kafka's PEM key store
reads them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    server: Path


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_tls(folder: Path, name: str = "broker", *, days: int = 30) -> TlsFiles:
    """A CA and a certificate for `name` valid for localhost and 127.0.0.1 (made once per
    folder; kept when they exist)."""
    files = TlsFiles(ca=folder / "ca.pem", server=folder / f"{name}.pem")
    if files.ca.is_file() and files.server.is_file():
        return files
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = _key()
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("zongguan local CA"))
        .issuer_name(_name("zongguan local CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = _key()
    server = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files.server.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + server.public_bytes(pem)
        + ca.public_bytes(pem)
    )
    files.server.chmod(0o600)
    files.ca.write_bytes(ca.public_bytes(pem))
    return files
