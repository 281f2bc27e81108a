"""More sprig cases (see ``sprig_corpus.py``): the functions added after the first corpus,
``mustFromJson`` (Go's JSON syntax errors), ``urlParse`` and ``urlJoin`` (Go's net/url)."""

from __future__ import annotations

MUST_FROM_JSON = [
    '{{ mustFromJson "{\\"a\\": [1, 2.5, \\"x\\", null, true]}" | toJson }}', '{{ mustFromJson "bad" }}',
    '{{ mustFromJson "" }}', '{{ mustFromJson "   " }}', '{{ mustFromJson "{" }}', '{{ mustFromJson "[1,]" }}',
    '{{ mustFromJson "{\\"a\\" 1}" }}', '{{ mustFromJson "{\\"a\\":1 \\"b\\"}" }}', '{{ mustFromJson "[1 2]" }}',
    '{{ mustFromJson "1 2" }}', '{{ mustFromJson "1 x" }}', '{{ mustFromJson "tru" }}', '{{ mustFromJson "trUe" }}',
    '{{ mustFromJson "nul" }}', '{{ mustFromJson "nulL" }}', '{{ mustFromJson "fals" }}', '{{ mustFromJson "faLse" }}',
    '{{ mustFromJson "-" }}', '{{ mustFromJson "-x" }}', '{{ mustFromJson "1." }}', '{{ mustFromJson "1.e5" }}',
    '{{ mustFromJson "1e" }}', '{{ mustFromJson "1e+" }}', '{{ mustFromJson "1e+x" }}', '{{ mustFromJson "01" }}',
    '{{ mustFromJson "-01" }}', '{{ mustFromJson "\\"a\\\\x\\"" }}', '{{ mustFromJson "\\"\\\\u12G4\\"" }}',
    '{{ mustFromJson "\\"\\\\u\\"" }}', '{{ mustFromJson "\\"a\\tb\\"" }}', '{{ mustFromJson "\\"abc" }}',
    '{{ mustFromJson "{\\"a\\":}" }}', '{{ mustFromJson "{,}" }}', '{{ mustFromJson "[" }}', '{{ mustFromJson "]" }}',
    '{{ mustFromJson "\'a\'" }}', '{{ mustFromJson "é" }}', '{{ mustFromJson "\u00a0" }}', '{{ mustFromJson "\\u0085" }}',
    '{{ mustFromJson "1e400" }}', '{{ mustFromJson "[1, -1e999, 1e999]" }}', '{{ mustFromJson "{}" }}',
    '{{ mustFromJson "  null  " }}', '{{ mustFromJson "NaN" }}', '{{ mustFromJson "{\\"a\\":1}x" }}',
    '{{ mustFromJson "{\\"a\\":1}}" }}', '{{ mustFromJson "[1]]" }}', '{{ mustFromJson "[1,2]" | typeOf }}',
    '{{ mustFromJson "{\\"a\\":\\"\\u0001\\"}" }}', '{{ mustFromJson "{\\"a\\":1,}" }}', '{{ mustFromJson "{1:2}" }}',
    '{{ mustFromJson "[-]" }}', '{{ mustFromJson "[.5]" }}', '{{ mustFromJson "\\"\\\\/\\\\b\\\\f\\"" | len }}',
    '{{ mustFromJson "{\\"a\\":{\\"b\\":[[],{}]}}" | toJson }}', '{{ mustFromJson "\\"x\\"" }}',
    '{{ mustFromJson "123456789012345678901234567890" }}', '{{ mustFromJson "[1,2" }}', '{{ mustFromJson "\\"\\\\" }}',
    '{{ mustFromJson "{\\"a\\":1" }}', '{{ mustFromJson "{\\"a\\"" }}', '{{ mustFromJson "t" }}', '{{ mustFromJson "-1" }}',
    '{{ mustFromJson "0.5e-3" }}', '{{ mustFromJson "\\ufeff1" }}', '{{ mustFromJson "[\\"\\u00e9\\"]" | toJson }}',
]  # fmt: skip

_URLS = [
    "https://user:pa%20ss@example.com:8080/a/b%2Fc?q=1&r=%20#frag%20x", "http://example.com",
    "http://example.com/", "example.com/path", "/just/a/path", "a/b", "mailto:joe@example.com",
    "http://[::1]:80/x", "http://[fe80::1%25en0]/", "http://[::1", "http://[1.2.3.4]/", "http://[zz]/",
    "http://a[b]/", "http://host:port/", "http://host:1:2/", "ftp://host:1:2/", "http://h:/",
    "http://us@er@host/", "http://us er@host/", "http://user@/", "http://%41/", "http://h%zz/",
    "http://h st/", "%zz", "1http://x", "://x", ":x", "a:b/c", "x:y:z", "HTTP://Example.COM/%7E",
    "http://example.com/a?", "http://example.com/a??", "http://example.com/a?b?c", "http://x/#",
    "http://x/#a#b", "http://x/#%zz", "http://x/a%2", "*", "", "?q", "#f", "//host/path",
    "///triple", "file:///etc/hosts", "http://x/é?é#é", "http://x/a b", "http://ü.com/",
    "http://x\x01/", "http://x/\x7f", "http://x/;p?q#f", "http:opaque?q", "http:/abs", "http://@h/",
    "http://:pw@h/", "http://u:@h/", "http://h/%2F%2f", "s3://bucket/key", "git+ssh://git@github.com/a/b.git",
]  # fmt: skip

URL_PARSE = [f"{{{{ urlParse {_q} | toJson }}}}" for _q in
             ['"' + u.replace("\\", "\\\\").replace('"', '\\"').replace("\x01", "\\x01").replace("\x7f", "\\x7f") + '"'
              for u in _URLS]]  # fmt: skip

URL_JOIN = [
    '{{ urlJoin (dict "scheme" "https" "host" "example.com" "path" "/a b" "query" "x=1" "fragment" "f g") }}',
    '{{ urlJoin (dict) }}|', '{{ urlJoin (dict "host" "h") }}', '{{ urlJoin (dict "path" "a:b/c") }}',
    '{{ urlJoin (dict "path" "/a?b#c%d") }}', '{{ urlJoin (dict "scheme" "mailto" "opaque" "joe@x" "path" "/ignored") }}',
    '{{ urlJoin (dict "scheme" "http" "host" "h" "path" "rel") }}', '{{ urlJoin (dict "scheme" "http" "path" "//p") }}',
    '{{ urlJoin (dict "host" "h é/?@:1") }}', '{{ urlJoin (dict "userinfo" "u:p" "host" "h") }}',
    '{{ urlJoin (dict "userinfo" "u%20x" "host" "h") }}', '{{ urlJoin (dict "userinfo" "u x" "host" "h") }}',
    '{{ urlJoin (dict "userinfo" "a@b" "host" "h") }}', '{{ urlJoin (dict "userinfo" "u%zz" "host" "h") }}',
    '{{ urlJoin (dict "host" 5) }}', '{{ urlJoin (dict "path" (list)) }}', '{{ urlJoin (dict "query" nil) }}',
    '{{ urlJoin (dict "fragment" "a b!()*\'#") }}', '{{ urlJoin (dict "query" "a b") }}', '{{ urlJoin (dict "path" "*") }}',
    '{{ urlJoin (dict "scheme" "x" "fragment" "") }}', '{{ urlJoin .nil }}|', '{{ urlJoin "x" }}',
    '{{ urlParse "https://u:p@h:1/p?q#f" | urlJoin }}', '{{ urlParse "a%2Fb" | urlJoin }}',
    '{{ (urlParse "http://h:8080/").hostname }} {{ (urlParse "http://[::1]:8080/").hostname }}',
    '{{ (urlParse "http://h:x/").hostname }}', '{{ urlParse 5 }}', '{{ urlJoin (dict "scheme" "http" "host" "[::1]:80") }}',
]  # fmt: skip

JSON_V1 = [
    '{{ toJson (substr 0 1 "é") }}', '{{ toJson (list (substr 0 1 "é") "\ufffd") }}',
    '{{ fromJson "1e400" | typeOf }}', '{{ toPrettyJson (dict "k" (substr 1 2 "日")) }}',
]  # fmt: skip

REST = {"mustFromJson": MUST_FROM_JSON, "urlParse": URL_PARSE, "urlJoin": URL_JOIN,
        "jsonV1": JSON_V1}  # fmt: skip
