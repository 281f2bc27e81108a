"""sprig's url.go: ``urlParse`` and ``urlJoin``, on a port of Go's ``net/url`` (``Parse``,
``URL.String``, the escaping modes) over the bytes of the string, as Go sees it.

Known deviation: a bracketed host that is not an IP address is refused with a shorter message
than ``netip.ParseAddr``'s (``invalid host: ParseAddr("..."): unable to parse IP``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from velarun.template.gotemplate.funcs import MAP, FuncError, GoFunc
from velarun.template.gotemplate.quote import go_quote
from velarun.template.gotemplate.values import bare
from velarun.template.sprig._go import kind

PATH, SEGMENT, HOST, ZONE, USER, QUERY, FRAGMENT = range(7)
_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_RESERVED_ALLOWED = {PATH: b"$&+,/:;=@", SEGMENT: b"$&+:=@", USER: b"$&+,;=", QUERY: b"",
                     FRAGMENT: b"$&+,/:;=?@"}  # fmt: skip
_USERINFO_OK = frozenset(_ALNUM | set(b"-._:~!$&'()*+,;=%@"))


def _b(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _s(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def should_escape(c: int, mode: int) -> bool:
    """Go's ``shouldEscape``."""
    if c in _ALNUM:
        return False
    if mode in (HOST, ZONE) and c in b"!$&'()*+,;=:[]<>\"":
        return False
    if c in b"-_.~":
        return False
    if c in b"$&+,/:;=?@":
        return c not in _RESERVED_ALLOWED.get(mode, b"")
    return not (mode == FRAGMENT and c in b"!()*")


def escape(s: bytes, mode: int) -> bytes:
    """Go's ``escape``."""
    out = bytearray()
    for c in s:
        if c == 0x20 and mode == QUERY:
            out += b"+"
        elif should_escape(c, mode):
            out += b"%%%02X" % c
        else:
            out.append(c)
    return bytes(out)


class _UrlError(Exception):
    pass


def _unhex(c: int) -> int:
    return 9 * (c >> 6) + (c & 15)


def unescape(s: bytes, mode: int) -> bytes:
    """Go's ``unescape`` (``+`` is a space only in a query component)."""
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x25:
            if i + 2 >= len(s) or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                raise _UrlError("invalid URL escape " + go_quote(_s(s[i : i + 3])))
            code = _unhex(s[i + 1]) << 4 | _unhex(s[i + 2])
            if mode == HOST and _unhex(s[i + 1]) < 8 and s[i : i + 3] != b"%25":
                raise _UrlError("invalid URL escape " + go_quote(_s(s[i : i + 3])))
            zone_bad = code != 0x20 and should_escape(code, HOST)
            if mode == ZONE and s[i : i + 3] != b"%25" and zone_bad:
                raise _UrlError("invalid URL escape " + go_quote(_s(s[i : i + 3])))
            i += 3
        else:
            if mode in (HOST, ZONE) and c < 0x80 and should_escape(c, mode):
                raise _UrlError("invalid character " + go_quote(chr(c)) + " in host name")
            i += 1
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == 0x25:
            out.append(_unhex(s[i + 1]) << 4 | _unhex(s[i + 2]))
            i += 3
            continue
        out += b" " if s[i] == 0x2B and mode == QUERY else s[i : i + 1]
        i += 1
    return bytes(out)


@dataclass
class URL:
    """The fields of Go's ``url.URL`` that sprig reads or writes (``RawPath`` and
    ``RawFragment`` only to print a parsed URL back as it was written)."""

    scheme: bytes = b""
    opaque: bytes = b""
    user: tuple[bytes, bytes | None] | None = None
    host: bytes = b""
    path: bytes = b""
    raw_path: bytes = b""
    raw_query: bytes = b""
    fragment: bytes = b""
    raw_fragment: bytes = b""
    force_query: bool = False
    omit_host: bool = False


def _user_string(user: tuple[bytes, bytes | None]) -> bytes:
    name, password = user
    text = escape(name, USER)
    return text if password is None else text + b":" + escape(password, USER)


def _scheme(raw: bytes) -> tuple[bytes, bytes]:
    for i, c in enumerate(raw):
        if c in _ALNUM and not (0x30 <= c <= 0x39):
            continue
        if (0x30 <= c <= 0x39) or c in b"+-.":
            if i == 0:
                return b"", raw
            continue
        if c == 0x3A:
            if i == 0:
                raise _UrlError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return b"", raw
    return b"", raw


def _valid_port(port: bytes) -> bool:
    return not port or (port[:1] == b":" and all(0x30 <= c <= 0x39 for c in port[1:]))


def _parse_bracketed(host: bytes) -> bytes:
    close = host.rfind(b"]")
    if close < 0:
        raise _UrlError("missing ']' in host")
    port = host[close + 1 :]
    if not _valid_port(port):
        raise _UrlError(f"invalid port {go_quote(_s(port))} after host")
    port = unescape(port, HOST)
    name = host[1:close]
    zone = name.find(b"%25")
    if zone >= 0:
        name = unescape(name[:zone], HOST) + unescape(name[zone:], ZONE)
    else:
        name = unescape(name, HOST)
    import ipaddress

    try:
        address = ipaddress.ip_address(_s(name))
    except ValueError:
        message = f"ParseAddr({go_quote(_s(name))}): unable to parse IP"
        raise _UrlError(f"invalid host: {message}") from None
    if address.version == 4:
        raise _UrlError("invalid IP-literal")
    return b"[" + name + b"]" + port


def _parse_host(scheme: bytes, host: bytes) -> bytes:
    bracket = host.rfind(b"[")
    if bracket > 0:
        raise _UrlError("invalid IP-literal")
    if bracket == 0:
        return _parse_bracketed(host)
    i = host.find(b":")
    if i >= 0:
        last = host.rfind(b":")
        if last != i and scheme not in (b"http", b"https"):
            i = last
        if not _valid_port(host[i:]):
            raise _UrlError(f"invalid port {go_quote(_s(host[i:]))} after host")
    return unescape(host, HOST)


def _parse_authority(url: URL, authority: bytes) -> None:
    at = authority.rfind(b"@")
    url.host = _parse_host(url.scheme, authority[at + 1 :] if at >= 0 else authority)
    if at < 0:
        return
    userinfo = authority[:at]
    if not all(c in _USERINFO_OK for c in userinfo):
        raise _UrlError("net/url: invalid userinfo")
    name, colon, password = userinfo.partition(b":")
    url.user = (unescape(name, USER), unescape(password, USER) if colon else None)


def _parse(raw: bytes) -> URL:
    if any(c < 0x20 or c == 0x7F for c in raw):
        raise _UrlError("net/url: invalid control character in URL")
    url = URL()
    if raw == b"*":
        url.path = b"*"
        return url
    url.scheme, rest = _scheme(raw)
    url.scheme = url.scheme.lower()
    if rest.endswith(b"?") and rest.count(b"?") == 1:
        url.force_query, rest = True, rest[:-1]
    else:
        rest, _, url.raw_query = rest.partition(b"?")
    if not rest.startswith(b"/"):
        if url.scheme:
            url.opaque = rest
            return url
        if b":" in rest.partition(b"/")[0]:
            raise _UrlError("first path segment in URL cannot contain colon")
    if (url.scheme or not rest.startswith(b"///")) and rest.startswith(b"//"):
        authority, slash, path = rest[2:].partition(b"/")
        rest = slash + path
        _parse_authority(url, authority)
    elif url.scheme and rest.startswith(b"/"):
        url.omit_host = True
    url.path = unescape(rest, PATH)
    url.raw_path = b"" if escape(url.path, PATH) == rest else rest
    return url


def parse(raw: str) -> URL:
    """Go's ``url.Parse``; its error is raised as ``_UrlError`` with Go's message."""
    data = _b(raw)
    head, hash_, frag = data.partition(b"#")
    try:
        url = _parse(head)
    except _UrlError as err:
        raise _UrlError(f"parse {go_quote(_s(head))}: {err}") from None
    if not hash_ or not frag:
        return url
    try:
        url.fragment = unescape(frag, FRAGMENT)
    except _UrlError as err:
        raise _UrlError(f"parse {go_quote(raw)}: {err}") from None
    url.raw_fragment = b"" if escape(url.fragment, FRAGMENT) == frag else frag
    return url


def _valid_encoded(s: bytes, mode: int) -> bool:
    return all(c in b"!$&'()*+,;=:@[]%" or not should_escape(c, mode) for c in s)


def _escaped(raw: bytes, value: bytes, mode: int) -> bytes:
    if raw and _valid_encoded(raw, mode):
        try:
            if unescape(raw, mode) == value:
                return raw
        except _UrlError:
            pass
    return escape(value, mode)


def _escaped_path(url: URL) -> bytes:
    if url.raw_path and _valid_encoded(url.raw_path, PATH):
        try:
            if unescape(url.raw_path, PATH) == url.path:
                return url.raw_path
        except _UrlError:
            pass
    return b"*" if url.path == b"*" else escape(url.path, PATH)


def _authority(url: URL) -> bytes:
    if not (url.scheme or url.host or url.user is not None) or (
        url.omit_host and not url.host and url.user is None
    ):
        return b""
    out = b"//" if url.host or url.path or url.user is not None else b""
    if url.user is not None:
        out += _user_string(url.user) + b"@"
    return out + escape(url.host, HOST)


def url_string(url: URL) -> bytes:
    """Go's ``URL.String``."""
    out = bytearray()
    if url.scheme:
        out += url.scheme + b":"
    if url.opaque:
        out += url.opaque
    else:
        out += _authority(url)
        path = _escaped_path(url)
        if url.omit_host and not url.host and url.user is None and path.startswith(b"//"):
            out += b"%2F"
            path = path[1:]
        if path and path[:1] != b"/" and url.host:
            out += b"/"
        if not out and b":" in path.partition(b"/")[0]:
            out += b"./"
        out += path
    if url.force_query or url.raw_query:
        out += b"?" + url.raw_query
    if url.fragment:
        out += b"#" + _escaped(url.raw_fragment, url.fragment, FRAGMENT)
    return bytes(out)


def _hostname(host: bytes) -> bytes:
    colon = host.rfind(b":")
    if colon >= 0 and _valid_port(host[colon:]):
        host = host[:colon]
    if host.startswith(b"[") and host.endswith(b"]"):
        host = host[1:-1]
    return host


def url_parse(value: str) -> dict[str, Any]:
    try:
        url = parse(value)
    except _UrlError as err:
        raise FuncError(f"unable to parse url: {err}") from None
    fields = {"scheme": url.scheme, "host": url.host, "hostname": _hostname(url.host),
              "path": url.path, "query": url.raw_query, "opaque": url.opaque,
              "fragment": url.fragment,
              "userinfo": b"" if url.user is None else _user_string(url.user)}  # fmt: skip
    return {k: _s(v) for k, v in fields.items()}


def _get(d: dict[str, Any] | None, key: str) -> bytes:
    if d is None or key not in d:
        return b""
    value = bare(d[key])
    if value is None:
        raise FuncError("runtime error: invalid memory address or nil pointer dereference")
    if not isinstance(value, str):
        raise FuncError(
            f"unable to parse {key} key, must be of type string, but {kind(value)} found"
        )
    return _b(value)


def url_join(d: dict[str, Any] | None) -> str:
    url = URL(scheme=_get(d, "scheme"), host=_get(d, "host"), path=_get(d, "path"),
              raw_query=_get(d, "query"), opaque=_get(d, "opaque"),
              fragment=_get(d, "fragment"))  # fmt: skip
    userinfo = _get(d, "userinfo")
    if userinfo:
        try:
            url.user = parse(_s(b"proto://" + userinfo + b"@host")).user
        except _UrlError as err:
            raise FuncError(f"unable to parse userinfo in dict: {err}") from None
    return _s(url_string(url))


FUNCS: dict[str, GoFunc] = {
    "urlParse": GoFunc(url_parse, ("string",), None),
    "urlJoin": GoFunc(url_join, (MAP,), None),
}
