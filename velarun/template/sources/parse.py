"""A template's ``source`` string read as the Vela server's GitHub registry reads it (pure).

The server (``compiler/registry/github/parse.go``) parses the source with goware/urlx, a thin
layer over Go's ``net/url``: a missing scheme becomes ``http://``, the host must look like a
host name, an IPv4 or an IPv6 address or be ``localhost``, and it is lower-cased. The path,
less its leading ``/``, is split in at most three parts, ``org``, ``repo`` and the file's
path; fewer than three is an error; an ``@`` in the file's part separates the ref (text after
a second ``@`` is dropped, as the server drops it). Query strings and fragments are ignored.

velarun adds one form the server rejects: when the source has no scheme and its first segment
is a GitHub account name (letters, digits, hyphens) that is not a host name (the server's
``host "octo": invalid host``), the whole source is ``org/repo/path`` on the default host.
Account names cannot contain a dot, so no source the server accepts is read differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from velarun.errors import UsageError
from velarun.template.gotemplate.quote import go_quote

__all__ = ["GithubSource", "TemplateSourceError", "parse_source"]

_DOMAIN = re.compile(r"([a-zA-Z0-9-]{1,63}\.)+[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]")
_IPV4 = re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
_IPV6 = re.compile(r"\[[a-fA-F0-9:]+\]")
_ACCOUNT = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]*")
_HEX = "0123456789abcdefABCDEF"
_HOST_PUNCTUATION = frozenset("!$&'()*+,;=:[]<>\"-_.~%")
_USERINFO_PUNCTUATION = frozenset("-._:~!$&'()*+,;=%@")
_INT64_MAX = 2**63 - 1


class TemplateSourceError(UsageError):
    """A template's source cannot be used: the server's parse error, an unsupported type."""


@dataclass(frozen=True, slots=True)
class GithubSource:
    """Where a ``type: github`` template lives: ``path`` in ``org/repo`` on ``host`` at ``ref``.

    ``host`` is lower-case and keeps its port; ``ref`` is empty for the default branch.
    """

    host: str
    org: str
    repo: str
    path: str
    ref: str = ""

    def __str__(self) -> str:
        at = f"@{self.ref}" if self.ref else ""
        return f"{self.host}/{self.org}/{self.repo}/{self.path}{at}"

    @property
    def location(self) -> str:
        """``org/repo/path[@ref]``, as the server's "no Vela template found at" names it."""
        at = f"@{self.ref}" if self.ref else ""
        return f"{self.org}/{self.repo}/{self.path}{at}"


class _ParseError(Exception):
    """Go's error text for a source ``net/url`` or urlx rejects."""

    def __init__(self, text: str, *, bad_host: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.bad_host = bad_host


def parse_source(source: str, default_host: str = "github.com") -> GithubSource:
    """Read a ``type: github`` template's ``source``; :class:`TemplateSourceError` if invalid.

    ``github.com/org/repo/path/to/file.yml@ref``, ``git.example.com/org/repo/file.yml``, a URL
    with a scheme, or ``org/repo/file.yml`` (on ``default_host``). The error's message is the
    server's own (``invalid template source SOURCE, must contain org/repo/path_to_template``,
    or Go's URL error).
    """
    try:
        host, path = _host_and_path(source)
    except _ParseError as err:
        if not (err.bad_host and _is_org_first(source)):
            raise TemplateSourceError(err.text) from None
        try:
            host, path = _host_and_path(f"{default_host}/{source}")
        except _ParseError:
            raise TemplateSourceError(err.text) from None
    parts = path.removeprefix("/").split("/", 2)
    if len(parts) < 3:
        raise TemplateSourceError(
            f"invalid template source {source}, must contain org/repo/path_to_template"
        )
    org, repo, name = parts
    ref = ""
    if "@" in name:
        pieces = name.split("@")
        name, ref = pieces[0], pieces[1]
    return GithubSource(host=host, org=org, repo=repo, path=name, ref=ref)


def _is_org_first(source: str) -> bool:
    """Whether a source without a scheme starts with a GitHub account name (never a host)."""
    if "://" in source or source.startswith("//"):
        return False
    return _ACCOUNT.fullmatch(source.partition("/")[0]) is not None


def _host_and_path(source: str) -> tuple[str, str]:
    """urlx.Parse: the lower-cased host (with its port) and the unescaped path."""
    raw = source
    if raw.startswith("//"):
        raw = "http:" + raw
    if "://" not in raw:
        raw = "http://" + raw
    host, path = _go_url_parse(raw)
    _check_host(_split_port(host))
    return host.lower(), path


def _go_url_parse(raw: str) -> tuple[str, str]:
    """Go's ``url.Parse``, as far as a source needs: the host and the path, or Go's error."""
    url, _, fragment = raw.partition("#")
    try:
        host, path = _parse(url)
    except _ParseError as err:
        raise _ParseError(f"parse {go_quote(url)}: {err.text}") from None
    try:
        _unescape(fragment, host_mode=False)
    except _ParseError as err:
        raise _ParseError(f"parse {go_quote(raw)}: {err.text}") from None
    return host, path


def _parse(url: str) -> tuple[str, str]:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise _ParseError("net/url: invalid control character in URL")
    scheme, rest = _scheme(url)
    rest = rest.partition("?")[0]  # the query (Go's ForceQuery of a lone "?" alike)
    if not rest.startswith("/"):
        if scheme:
            return "", ""  # an opaque URL: no host, no path
        if ":" in rest.partition("/")[0]:
            raise _ParseError("first path segment in URL cannot contain colon")
    host = ""
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, tail = rest[2:].partition("/")
        rest = slash + tail
        host = _authority(authority)
    return host, _unescape(rest, host_mode=False)


def _scheme(url: str) -> tuple[str, str]:
    for i, c in enumerate(url):
        if c.isascii() and c.isalpha():
            continue
        if c.isascii() and (c.isdigit() or c in "+-."):
            if i == 0:
                return "", url
            continue
        if c == ":":
            if i == 0:
                raise _ParseError("missing protocol scheme")
            return url[:i], url[i + 1 :]
        return "", url
    return "", url


def _authority(authority: str) -> str:
    at = authority.rfind("@")
    host = _host(authority[at + 1 :])
    if at >= 0:
        userinfo = authority[:at]
        if not all((c.isascii() and c.isalnum()) or c in _USERINFO_PUNCTUATION for c in userinfo):
            raise _ParseError("net/url: invalid userinfo")
        _unescape(userinfo, host_mode=False)
    return host


def _host(host: str) -> str:
    if host.startswith("["):
        close = host.find("]")
        if close < 0:
            raise _ParseError("missing ']' in host")
        port = host[close + 1 :]
    else:
        colon = host.rfind(":")
        port = host[colon:] if colon >= 0 else ""
    if port and not (port.startswith(":") and all(c in "0123456789" for c in port[1:])):
        raise _ParseError(f"invalid port {go_quote(port)} after host")
    return _unescape(host, host_mode=True)


def _unescape(text: str, *, host_mode: bool) -> str:
    """Go's ``unescape``: ``%XX`` decoded; in a host, the characters Go forbids there."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%":
            escape = text[i : i + 3]
            if len(escape) < 3 or escape[1] not in _HEX or escape[2] not in _HEX:
                raise _ParseError(f"invalid URL escape {go_quote(escape)}")
            if host_mode and int(escape[1], 16) < 8 and escape != "%25":
                raise _ParseError(f"invalid URL escape {go_quote(escape)}")
            out.append(int(escape[1:], 16))
            i += 3
            continue
        if host_mode and c.isascii() and not c.isalnum() and c not in _HOST_PUNCTUATION:
            raise _ParseError(f"invalid character {go_quote(c)} in host name")
        out += c.encode()
        i += 1
    return out.decode(errors="replace")


def _split_port(host: str) -> str:
    """urlx.SplitHostPort: the host without its port (brackets kept); the port's Atoi error."""
    colon = host.rfind(":")
    if colon < 0 or "]" in host[colon:]:
        return host
    name, port = host[:colon], host[colon + 1 :]
    if port:
        if not port.isdigit():  # Go's url.Parse let through only digits
            raise _ParseError(f"port {go_quote(name)}: {_atoi_error(port, 'invalid syntax')}")
        if int(port) > _INT64_MAX:
            raise _ParseError(f"port {go_quote(name)}: {_atoi_error(port, 'value out of range')}")
    return name


def _atoi_error(text: str, problem: str) -> str:
    return f"strconv.Atoi: parsing {go_quote(text)}: {problem}"


def _check_host(host: str) -> None:
    """urlx's checkHost: a domain name, ``localhost``, an IPv4 or a bracketed IPv6 address."""
    if not host:
        raise _ParseError('host "": empty host')
    host = host.lower()
    if _DOMAIN.fullmatch(host) or host == "localhost":
        return
    if _DOMAIN.fullmatch(_punycode(host)):
        return
    if _IPV4.fullmatch(host) or _IPV6.fullmatch(host):
        return
    raise _ParseError(f"host {go_quote(host)}: invalid host", bad_host=True)


def _punycode(host: str) -> str:
    """IDNA's ToASCII under Go's lenient Punycode profile: each non-ASCII label encoded."""
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
        else:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(labels)
