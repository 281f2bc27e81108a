"""sprig's functions against real Go with real sprig: every case of ``sprig_cases.json`` (see
README.md) must give Go's output or Go's error message exactly; the names offered are sprig's,
and the ones not offered yet are listed in ``sprig_missing.txt``."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

import pytest

from velarun.template.gotemplate import TemplateError, render
from velarun.template.sprig import txt_func_map

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = json.loads((HERE / "sprig_cases.json").read_text())["cases"]
SPRIG_NAMES = set((HERE / "sprig_names.txt").read_text().split())
MISSING = {
    line.split("#")[0].strip()
    for line in (HERE / "sprig_missing.txt").read_text().splitlines()
    if line.split("#")[0].strip()
}

codecs.register_error("go_replace", lambda e: ("\ufffd" * (e.end - e.start), e.end))  # type: ignore[arg-type,attr-defined]


def outcome(case: dict[str, Any]) -> tuple[str, str]:
    try:
        text = render(case["template"], case.get("data"), name=case["name"], funcs=txt_func_map())
    except TemplateError as err:
        return "error", err.message
    # Go's JSON shows each byte of a string cut mid-rune as one U+FFFD
    return "output", text.encode("utf-8", "surrogateescape").decode("utf-8", "go_replace")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_go(case: dict[str, Any]) -> None:
    expected = ("error", case["error"]) if "error" in case else ("output", case["output"])
    assert outcome(case) == expected, case["template"]


def test_names_are_sprigs_and_the_rest_is_listed() -> None:
    offered = set(txt_func_map())
    assert offered <= SPRIG_NAMES
    assert "env" not in offered and "expandenv" not in offered
    assert SPRIG_NAMES - offered - {"env", "expandenv"} == MISSING


def test_each_call_gives_a_new_map() -> None:
    assert txt_func_map() is not txt_func_map()


@pytest.mark.parametrize(
    ("template", "pattern"),
    [
        ("{{ randAlphaNum 12 }}", r"[A-Za-z0-9]{12}"),
        ("{{ randAlpha 7 }}", r"[A-Za-z]{7}"),
        ("{{ randNumeric 5 }}", r"[0-9]{5}"),
        ("{{ randAscii 9 }}", r"[ -~]{9}"),
        ("{{ randAlpha 0 }}", r""),
        ("{{ randInt 3 5 }}", r"[34]"),
        ("{{ randBytes 6 }}", r"[A-Za-z0-9+/]{8}"),
        ("{{ uuidv4 }}", r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
    ],
)
def test_random_functions_have_sprigs_shape(template: str, pattern: str) -> None:
    for _ in range(20):
        assert re.fullmatch(pattern, render(template, funcs=txt_func_map()))


@pytest.mark.parametrize(
    ("template", "pattern"),
    [
        (
            "{{ now }}",
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? -0[45]00 E[SD]T m=\+\d+\.\d{9}",
        ),
        ("{{ ago now }} {{ durationRound now }} {{ now | ago }}", r"0s 0s 0s"),
        ('{{ ago 0 }} {{ ago (toDate "2006" "2000") }}', r"\d+h\d+m\d+s \d+h\d+m\d+s"),
        ('{{ dateInZone "2006-01-02 MST" now "UTC" }}', r"\d{4}-\d\d-\d\d UTC"),
        ("{{ now | unixEpoch }}", r"1\d{9}"),
        ('{{ ago "x" }} {{ date "Jan" 2.5 }}', r"0s [A-Z][a-z]{2}"),
    ],
)
def test_time_functions_of_now_have_gos_shape(template: str, pattern: str) -> None:
    assert re.fullmatch(pattern, render(template, funcs=txt_func_map()))


def test_bcrypt_and_htpasswd_give_hashes_of_the_password() -> None:
    import bcrypt as bcrypt_lib

    hashed = render('{{ bcrypt "s3cret" }}', funcs=txt_func_map())
    assert re.fullmatch(r"\$2a\$10\$[./A-Za-z0-9]{53}", hashed)
    assert bcrypt_lib.checkpw(b"s3cret", hashed.encode())
    user, hashed = render('{{ htpasswd "admin" "pw" }}', funcs=txt_func_map()).split(":", 1)
    assert user == "admin" and bcrypt_lib.checkpw(b"pw", hashed.encode())
    # as golang.org/x/crypto has done since Vela's version (Debian's 0.4.0 hashes the first 72)
    assert render('{{ bcrypt (repeat 73 "a") }}', funcs=txt_func_map()) == (
        "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
    )


@pytest.mark.parametrize(
    ("kind", "header", "module", "cls"),
    [
        ("ecdsa", "EC PRIVATE KEY", "ec", "EllipticCurvePrivateKey"),
        ("ed25519", "PRIVATE KEY", "ed25519", "Ed25519PrivateKey"),
        ("dsa", "DSA PRIVATE KEY", "dsa", "DSAPrivateKey"),
        ("rsa", "RSA PRIVATE KEY", "rsa", "RSAPrivateKey"),
    ],
)
def test_gen_private_key_writes_the_pem_go_writes(
    kind: str, header: str, module: str, cls: str
) -> None:
    import importlib

    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    pem = render(f'{{{{ genPrivateKey "{kind}" }}}}', funcs=txt_func_map())
    assert pem.startswith(f"-----BEGIN {header}-----\n")
    assert pem.endswith(f"-----END {header}-----\n")
    key = load_pem_private_key(pem.encode(), password=None)
    asymmetric = importlib.import_module(f"cryptography.hazmat.primitives.asymmetric.{module}")
    assert isinstance(key, getattr(asymmetric, cls))
    if kind == "rsa":
        assert key.key_size == 4096  # type: ignore[union-attr]


def test_certificates_are_what_sprig_makes() -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    out = render(
        '{{ $ca := genCA "my-ca" 365 }}{{ $c := genSignedCert "foo.com" (list "10.0.0.1") '
        '(list "foo.com" "bar.com") 30 $ca }}{{ $ca.Cert }}|{{ $c.Cert }}|{{ $c.Key }}',
        funcs=txt_func_map(),
    )
    ca_pem, cert_pem, key_pem = out.split("|")
    ca = x509.load_pem_x509_certificate(ca_pem.encode())
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    assert ca.subject.rfc4514_string() == "CN=my-ca"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.subject.rfc4514_string() == "CN=foo.com"
    assert cert.issuer == ca.subject
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["foo.com", "bar.com"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.1"]
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30
    cert.verify_directly_issued_by(ca)
    key = load_pem_private_key(key_pem.encode(), password=None)
    assert key.public_key() == cert.public_key()
    assert key_pem.startswith("-----BEGIN RSA PRIVATE KEY-----\n")


def test_encrypt_aes_is_random_and_decrypts_back() -> None:
    one = render('{{ encryptAES "k" "text" }}', funcs=txt_func_map())
    assert one != render('{{ encryptAES "k" "text" }}', funcs=txt_func_map())
    assert render(f'{{{{ decryptAES "k" "{one}" }}}}', funcs=txt_func_map()) == "text"


def test_get_host_by_name_gives_one_address_or_gos_error() -> None:
    assert render('{{ getHostByName "localhost" }}', funcs=txt_func_map()) in ("127.0.0.1", "::1")
    with pytest.raises(
        TemplateError, match="error calling getHostByName: invalid argument to Intn"
    ):
        render('{{ getHostByName "no-such-host.invalid" }}', funcs=txt_func_map())


def test_shuffle_keeps_the_characters() -> None:
    out = render('{{ shuffle "héllo wörld" }}', funcs=txt_func_map())
    assert sorted(out) == sorted("héllo wörld")


def test_rand_int_refuses_an_empty_range_as_go_does() -> None:
    with pytest.raises(TemplateError, match="error calling randInt: invalid argument to Intn"):
        render("{{ randInt 5 5 }}", funcs=txt_func_map())
