"""sprig's certificate functions (crypto.go): ``genCA``, ``genSelfSignedCert``,
``genSignedCert``, their ``WithKey`` forms, ``buildCustomCert``. A :class:`Certificate` is
sprig's ``certificate`` struct: templates read its ``Cert`` and ``Key`` (PEM). Certificates are
made with ``cryptography`` (imported when called) as Go's ``x509.CreateCertificate`` makes
sprig's template: a random 128-bit serial, the common name, IP and DNS names, valid from now
for the days given, server and client auth, basic constraints (a CA can sign certificates);
a new key is RSA 2048."""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from typing import Any

from velarun.template.gotemplate.funcs import SLICE, FuncError, GoFunc
from velarun.template.gotemplate.gofmt import Spec, fmt_value
from velarun.template.gotemplate.values import NO_FIELD, GoStruct
from velarun.template.sprig.encoding import go_b64decode

_PEM = re.compile(r"-----BEGIN ([^-\n]*)-----\n")
_CERT = "sprig.certificate"


@dataclass(frozen=True)
class Certificate(GoStruct):
    """sprig's ``certificate{Cert, Key string}``."""

    cert: str = ""
    key: str = ""

    go_type = _CERT

    def go_field(self, name: str) -> Any:
        return {"Cert": self.cert, "Key": self.key}.get(name, NO_FIELD)

    def go_string(self) -> str:  # a struct without String: %v prints its fields
        return "{" + self.cert + " " + self.key + "}"

    def go_marshal(self, encoding: str) -> Any:
        if encoding == "yaml":  # yaml.v3 lowercases the field names
            return {"cert": self.cert, "key": self.key}
        return {"Cert": self.cert, "Key": self.key}


def _pem_type(text: str) -> str | None:
    m = _PEM.search(text)
    return None if m is None else m.group(1)


def parse_private_key(pem: str) -> Any:
    """sprig's ``parsePrivateKeyPEM``: its messages for what is no key; a key that does not
    parse gives cryptography's reason."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    kind = _pem_type(pem)
    if kind is None:
        raise FuncError("no PEM data in input")
    if kind != "PRIVATE KEY" and not kind.endswith(" PRIVATE KEY"):
        raise FuncError(f"no private key data in PEM block of type {kind}")
    if kind not in ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY"):
        raise FuncError(f"invalid private key type {kind}")
    try:
        return load_pem_private_key(pem.encode("utf-8", "surrogateescape"), password=None)
    except (ValueError, TypeError) as err:
        raise FuncError(f"decoding PEM: {err}") from None


def _key_pem(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pkcs8 = isinstance(key, ed25519.Ed25519PrivateKey)
    fmt = ser.PrivateFormat.PKCS8 if pkcs8 else ser.PrivateFormat.TraditionalOpenSSL
    return str(key.private_bytes(ser.Encoding.PEM, fmt, ser.NoEncryption()).decode("ascii"))


def _names(ips: list[Any] | None, dns: list[Any] | None) -> list[Any]:
    import ipaddress

    from cryptography import x509

    names: list[Any] = []
    for ip in ips or []:
        if not isinstance(ip, str):
            raise FuncError(f"error parsing ip: {fmt_value(ip, Spec())} is not a string")
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip)))
        except ValueError:
            raise FuncError(f"error parsing ip: {ip}") from None
    for name in dns or []:
        if not isinstance(name, str):
            raise FuncError(
                f"error processing alternate dns name: {fmt_value(name, Spec())} is not a string"
            )
        names.append(x509.DNSName(name))
    return names


def _create(cn: str, names: list[Any], days: int, key: Any, issuer: Any, signer: Any,
            is_ca: bool) -> Certificate:  # fmt: skip
    """``getCertAndKey`` over ``getBaseCertTemplate``: the certificate signed by ``signer``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ed25519
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    if isinstance(signer, dsa.DSAPrivateKey):
        raise FuncError(
            "error creating certificate: x509: certificate private key does not implement "
            "crypto.Signer"
        )
    now = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]) if cn else x509.Name([])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.subject)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(os.urandom(16), "big") >> 1 or 1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if is_ca:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    cert = builder.sign(private_key=signer, algorithm=algorithm)
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return Certificate(pem, _key_pem(key))


def _new_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _with_key(pem: str) -> Any:
    try:
        return parse_private_key(pem)
    except FuncError as err:
        raise FuncError(f"parsing private key: {err}") from None


def gen_ca(cn: str, days: int, key: Any = None) -> Certificate:
    key = _new_key() if key is None else key
    return _create(cn, [], days, key, None, key, is_ca=True)


def gen_self_signed(cn: str, ips: Any, dns: Any, days: int, key: Any = None) -> Certificate:
    names = _names(ips, dns)
    key = _new_key() if key is None else key
    return _create(cn, names, days, key, None, key, is_ca=False)


def gen_signed(cn: str, ips: Any, dns: Any, days: int, ca: Certificate,
               key: Any = None) -> Certificate:  # fmt: skip
    from cryptography import x509

    key = _new_key() if key is None else key
    if _pem_type(ca.cert) is None:
        raise FuncError("unable to decode certificate")
    try:
        issuer = x509.load_pem_x509_certificate(ca.cert.encode("utf-8", "surrogateescape"))
    except ValueError as err:
        raise FuncError(f"error parsing certificate: decodedSignerCert.Bytes: {err}") from None
    try:
        signer = parse_private_key(ca.key)
    except FuncError as err:
        raise FuncError(f"error parsing private key: {err}") from None
    return _create(cn, _names(ips, dns), days, key, issuer, signer, is_ca=False)


def build_custom_cert(b64cert: str, b64key: str) -> Certificate:
    from cryptography import x509

    try:
        cert = go_b64decode(b64cert).decode("utf-8", "surrogateescape")
    except ValueError:
        raise FuncError("unable to decode base64 certificate") from None
    try:
        key = go_b64decode(b64key).decode("utf-8", "surrogateescape")
    except ValueError:
        raise FuncError("unable to decode base64 private key") from None
    if _pem_type(cert) is None:
        raise FuncError("unable to decode certificate")
    try:
        x509.load_pem_x509_certificate(cert.encode("utf-8", "surrogateescape"))
    except ValueError as err:
        raise FuncError(f"error parsing certificate: decodedCert.Bytes: {err}") from None
    try:
        parse_private_key(key)
    except FuncError as err:
        raise FuncError(f"error parsing private key: {err}") from None
    return Certificate(cert, key)


_S, _I = "string", "int"

FUNCS: dict[str, GoFunc] = {
    "genCA": GoFunc(gen_ca, (_S, _I), None),
    "genCAWithKey": GoFunc(lambda cn, d, k: gen_ca(cn, d, _with_key(k)), (_S, _I, _S), None),
    "genSelfSignedCert": GoFunc(gen_self_signed, (_S, SLICE, SLICE, _I), None),
    "genSelfSignedCertWithKey": GoFunc(
        lambda cn, ips, dns, d, k: gen_self_signed(cn, ips, dns, d, _with_key(k)),
        (_S, SLICE, SLICE, _I, _S),
        None,
    ),
    "genSignedCert": GoFunc(gen_signed, (_S, SLICE, SLICE, _I, _CERT), None),
    "genSignedCertWithKey": GoFunc(
        lambda cn, ips, dns, d, ca, k: gen_signed(cn, ips, dns, d, ca, _with_key(k)),
        (_S, SLICE, SLICE, _I, _CERT, _S),
        None,
    ),
    "buildCustomCert": GoFunc(build_custom_cert, (_S, _S), None),
}
