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

_D = '(toDate "2006-01-02" "2024-02-29")'
# time.Time: the oracle runs with TZ=America/New_York, as test_sprig.py does (conftest.py)
TIMES = [
    '{{ date "2006-01-02 15:04:05 MST" 1700000000 }}', '{{ date "Mon Jan _2 15:04:05 2006" 0 }}',
    '{{ date "2006-01-02" (int64 1700000000) }}', '{{ dateInZone "2006-01-02T15:04:05Z07:00" 1700000000 "UTC" }}',
    '{{ dateInZone "2006-01-02 15:04 MST" 1700000000 "Asia/Kolkata" }}',
    '{{ dateInZone "15:04 MST -0700" 1700000000 "Nowhere/Bad" }}', '{{ dateInZone "15:04 MST" 1700000000 "" }}',
    '{{ dateInZone "15:04 MST" 1700000000 "Local" }}', '{{ dateInZone "15:04 MST" 1700000000 "../etc" }}',
    '{{ date_in_zone "3:04:05 PM Monday January 2, 06" 1710054000 "America/Los_Angeles" }}',
    '{{ htmlDate 1700000000 }}', '{{ htmlDateInZone 1700000000 "Pacific/Kiritimati" }}',
    '{{ dateInZone "Jan January 01 1 Mon Monday 02 2 _2 __2 002 15 03 3 04 4 05 5 2006 06 PM pm MST" 1700000000 "Asia/Kathmandu" }}',
    '{{ dateInZone "Z0700 Z07:00 -0700 -07 Z07 -07:00:00 Z070000 .000 .999 ,000 ,999999999 _2006 Janx Monx" 1700000000 "Asia/Kathmandu" }}',
    '{{ dateInZone "Z07:00 Z0700 .99" 1700000000 "UTC" }}',
    '{{ toDate "2006-01-02 15:04:05.000000000" "2024-03-10 01:59:59.123456789" | date "2006-01-02 15:04:05.999999999 MST .0 .00 .999999 ,000000000" }}',
    '{{ toDate "2006-01-02" "2024-02-29" }}', '{{ toDate "2006-01-02 15:04" "2024-03-10 02:30" }}',
    '{{ toDate "2006-01-02 15:04" "2024-11-03 01:30" }}', '{{ toDate "2006-01-02T15:04:05Z07:00" "2024-06-01T12:00:00+02:00" }}',
    '{{ toDate "2006-01-02T15:04:05Z07:00" "2024-06-01T12:00:00-04:00" }}',
    '{{ toDate "2006-01-02T15:04:05Z07:00" "2024-06-01T12:00:00Z" }}', '{{ toDate "2006-01-02 15:04 MST" "2024-06-01 12:00 EDT" }}',
    '{{ toDate "2006-01-02 15:04 MST" "2024-06-01 12:00 EST" }}', '{{ toDate "2006-01-02 15:04 MST" "2024-06-01 12:00 PST" }}',
    '{{ toDate "2006-01-02 15:04 MST" "2024-06-01 12:00 GMT+3" }}', '{{ toDate "2006-01-02 15:04 MST" "2024-06-01 12:00 UTC" }}',
    '{{ toDate "2006-01-02 15:04 MST" "2024-06-01 12:00 +03" }}', '{{ toDate "Jan 2 2006" "feb 29 2023" }}',
    '{{ toDate "January 2, 2006 3:04 PM" "MARCH 5, 2024 12:01 AM" }}', '{{ toDate "January 2, 2006 3:04 pm" "may 5, 2024 12:01 pm" }}',
    '{{ toDate "02/01/06" "31/12/68" }}', '{{ toDate "02/01/06" "31/12/69" }}', '{{ toDate "2006 002" "2024 060" }}',
    '{{ toDate "2006 __2" "2023 365" }}', '{{ toDate "2006-01 002" "2024-03 061" }}', '{{ mustToDate "2006-01 002" "2024-02 061" }}',
    '{{ mustToDate "2006 002" "2023 366" }}', '{{ mustToDate "2006-01-02" "2024-1-02" }}', '{{ mustToDate "2006-01-02" "2024-01-02x" }}',
    '{{ mustToDate "15:04" "24:00" }}', '{{ mustToDate "15:04:05" "12:60:00" }}', '{{ mustToDate "15:04:05" "12:00:61" }}',
    '{{ mustToDate "2006-01-02 15:04:05.000" "2024-01-02 10:00:00.12" }}', '{{ mustToDate "2006-01-02 15:04:05" "2024-01-02 10:00:00.5" }}',
    '{{ mustToDate "Z07:00" "+25:00" }}', '{{ mustToDate "Mon 2006" "Tux 2024" }}', '{{ mustToDate "2006 é" "2024 x" }}',
    '{{ mustToDate "" "" }}', '{{ mustToDate "2006  01" "2024 01" }}', '{{ mustToDate "2006 _2 Jan" "2024  5 Feb" }}',
    '{{ mustToDate "3PM" "13PM" }}', '{{ mustToDate "2006-01-02 MST" "2024-01-02 Xy" }}', '{{ mustToDate "06" "9" }}',
    '{{ toDate "2006-01-02" "2024-02-29" | unixEpoch }}', '{{ toDate "2006-01-02" "1960-01-01" | unixEpoch }}',
    f'{{{{ {_D} | dateModify "36h30m" }}}}', f'{{{{ {_D} | date_modify "-1.5h" }}}}', f'{{{{ {_D} | dateModify "bad" }}}}',
    f'{{{{ {_D} | mustDateModify "1y" }}}}', f'{{{{ {_D} | must_date_modify "" }}}}', f'{{{{ {_D} | mustDateModify ".5µs" }}}}',
    f'{{{{ {_D} | mustDateModify "1.h" }}}}', f'{{{{ {_D} | mustDateModify "1" }}}}', f'{{{{ {_D} | mustDateModify "-9999999999h" }}}}',
    '{{ mustDateModify "1h" (toDate "2006" "x") }}', '{{ dateModify "1h" 5 }}', '{{ unixEpoch .s }}', '{{ unixEpoch .nil }}',
    '{{ typeOf (toDate "2006" "2024") }} {{ kindOf (toDate "2006" "2024") }} {{ typeOf now }}', '{{ now | date "2006" | len }}',
    '{{ now | htmlDate | len }} {{ date "2006" "x" | len }} {{ date "2006" .f | len }}', '{{ list (toDate "2006" "2024") 1 }}',
    '{{ printf "%v|%s|%q" (toDate "2006" "2024") (toDate "2006" "2024") (toDate "2006" "2024") }}',
    '{{ toString (toDate "2006" "2024") }} {{ empty (toDate "2006" "2024") }}', '{{ dateInZone "2006" (toDate "2006" "2024") "UTC" }}',
    '{{ date "2006-01-02" 253402300800 }}', '{{ date "2006-01-02 MST" -9999999999 }}', '{{ date "06 2006 MST" -62200000000 }}',
    '{{ if toDate "2006" "2024" }}yes{{ end }}', '{{ toDate "2006" "2024" | toJson }}',
    '{{ mustToDate "-0700" " 31 .5" }}', '{{ mustToDate "15MST" "03EDT" }}', '{{ mustToDate "15MST" "03EWT" }}',
    '{{ dateInZone "2006-01-02 15:04:05 MST -07:00:00" -3000000000 "America/New_York" }}',
    '{{ dateInZone "3:04PM MST" 1700000000 "Australia/Lord_Howe" }} {{ dateInZone "MST" 1700000000 "America/St_Johns" }}',
]  # fmt: skip

_V = '(semver "v1.2.3-beta.1+b5")'
SEMVER_VALUES = [
    f"{{{{ {_V} }}}}", '{{ semver "1.2" }}', '{{ semver "x" }}', '{{ semver "" }}', '{{ semver "1.2.3-01" }}',
    '{{ semver "1.2.3+a_b" }}', '{{ semver "1.2.3-a_b" }}', '{{ semver "99999999999999999999.1" }}',
    f"{{{{ {_V}.Major }}}} {{{{ {_V}.Minor }}}} {{{{ {_V}.Patch }}}} {{{{ {_V}.Prerelease }}}} {{{{ {_V}.Metadata }}}}",
    f"{{{{ {_V}.Original }}}} {{{{ {_V}.String }}}}", f"{{{{ {_V}.IncPatch }}}} {{{{ {_V}.IncMinor }}}} {{{{ {_V}.IncMajor }}}}",
    '{{ (semver "1.2.3").IncPatch }} {{ ((semver "v1.2.3").IncPatch).Major }}', f"{{{{ {_V}.IncPatch.Original }}}}",
    f'{{{{ {_V}.SetPrerelease "rc.1" }}}} {{{{ {_V}.SetMetadata "" }}}} {{{{ {_V}.SetPrerelease "" }}}}',
    f'{{{{ {_V}.SetPrerelease "01" }}}}', f'{{{{ {_V}.SetPrerelease "a_b" }}}}', f'{{{{ {_V}.SetMetadata "a_b" }}}}',
    f'{{{{ {_V}.SetMetadata "01" }}}}', '{{ (semver "1.2.3").LessThan (semver "1.3") }}',
    '{{ (semver "1.2.3").GreaterThan (semver "1.2.3-rc") }} {{ (semver "1.2.3").Equal (semver "v1.2.3+x") }}',
    '{{ (semver "1.2.3").Compare (semver "2") }} {{ (semver "2").Compare (semver "1.9") }}',
    f"{{{{ {_V}.major }}}}", f"{{{{ {_V}.Nope }}}}", f"{{{{ {_V}.IncPatch.Original }}}}",
    f'{{{{ {_V}.LessThan "1.2" }}}}', f"{{{{ {_V}.LessThan }}}}", f"{{{{ {_V}.Major 1 }}}}",
    f'{{{{ {_V}.LessThan ({_V}.IncPatch) }}}}', f"{{{{ typeOf {_V} }}}} {{{{ kindOf {_V} }}}} {{{{ typeOf {_V}.IncPatch }}}}",
    f"{{{{ typeOf {_V}.Major }}}} {{{{ kindOf {_V}.Major }}}} {{{{ add {_V}.Major 1 }}}}", f"{{{{ toJson {_V} }}}}",
    f"{{{{ printf \"%v %s %q\" {_V} {_V} {_V} }}}}", f"{{{{ list {_V} {_V}.IncMajor }}}}",
    '{{ $v := semver "1.2.3" }}{{ $v.Minor }} {{ $v.Original }} {{ if $v }}t{{ end }} {{ empty $v }}',
    f"{{{{ eq {_V}.Major 1 }}}}", f"{{{{ repeat {_V}.Major \"x\" }}}}", f"{{{{ toString {_V} }}}}",
]  # fmt: skip

_DP = '"password" "user" "example.com"'
# encryptAES is random: these ciphertexts are what Go's encryptAES made, decrypted here
_GO_AES = [("secret", "wHHibHet90elAGy5quvHu5swwgy/cl3pqoQPl1/j7hQ="),
           ("", "x6zV8DQwhJy/C5I7+ybH44XhQ8K2g9eVrd7wL7vIZaA/KFpZ0EwT6WoHNX3x0/yK"),
           ("a password longer than thirty-two bytes", "doML1Wg764GqrobDatAlUPjU/3vqr+4GNfmU5qqK2rc="),
           ("k", "X1GXwhEs0360tQRyOHrR6CSVQO/z/JougLQhTc/tDgg=")]  # fmt: skip
CRYPTO = [
    f'{{{{ derivePassword 1 "long" {_DP} }}}}', f'{{{{ derivePassword 1 "maximum" {_DP} }}}}',
    f'{{{{ derivePassword 2 "medium" {_DP} }}}}', f'{{{{ derivePassword 0 "short" {_DP} }}}}',
    f'{{{{ derivePassword 3 "basic" {_DP} }}}}', f'{{{{ derivePassword 4294967295 "pin" {_DP} }}}}',
    '{{ derivePassword 1 "long" "pässwörd" "üser" "sité" }}', '{{ derivePassword 1 "nope" "p" "u" "s" }}',
    '{{ derivePassword -1 "pin" "p" "u" "s" }}', '{{ derivePassword 4294967297 "pin" "p" "u" "s" }}',
    '{{ derivePassword .i "pin" "p" "u" "s" }}', '{{ derivePassword 1.5 "pin" "p" "u" "s" }}',
    *[f'{{{{ decryptAES "{k}" "{c}" }}}}' for k, c in _GO_AES],
    '{{ encryptAES "k" "round trip" | decryptAES "k" }}', '{{ encryptAES "k" "" }}|{{ decryptAES "k" "" }}|',
    '{{ decryptAES "secret" "!!" }}', '{{ decryptAES "secret" "AAAA" }}', '{{ decryptAES "secret" "AAAAAAAAAAAAAAAAAAAAAAA=" }}',
    '{{ decryptAES "secret" "AAAAAAAAAAAAAAAAAAAAAA==" }}', '{{ decryptAES "wrong" "X1GXwhEs0360tQRyOHrR6CSVQO/z/JougLQhTc/tDgg=" | len }}',
    '{{ htpasswd "a:b" "p" }}', '{{ genPrivateKey "nope" }}',
]  # fmt: skip

_PEM_CERT = "-----BEGIN CERTIFICATE-----\\nAA==\\n-----END CERTIFICATE-----\\n"
_PEM_FOO = "-----BEGIN FOO PRIVATE KEY-----\\nAA==\\n-----END FOO PRIVATE KEY-----\\n"
# certificates are random: their errors and their type here, their shape in test_sprig.py
CERTS = [
    '{{ genSelfSignedCert "x" (list 1) nil 1 }}', '{{ genSelfSignedCert "x" (list "1.2.3") nil 1 }}',
    '{{ genSelfSignedCert "x" nil (list 5) 1 }}', '{{ genCAWithKey "x" 1 "nope" }}',
    f'{{{{ genCAWithKey "x" 1 "{_PEM_CERT}" }}}}', f'{{{{ genCAWithKey "x" 1 "{_PEM_FOO}" }}}}',
    '{{ buildCustomCert "!" "" }}', '{{ buildCustomCert "" "!" }}', '{{ buildCustomCert "" "" }}',
    '{{ genSignedCert "x" nil nil 1 "s" }}', '{{ (genCA "a" 1).Nope }}', '{{ (genCA "a" 1).Cert 1 }}',
    '{{ typeOf (genCA "a" 1) }} {{ kindOf (genCA "a" 1) }}', '{{ genCAWithKey "x" 1 (genPrivateKey "dsa") }}',
    '{{ $ca := genCA "a" 1 }}{{ $b := buildCustomCert (b64enc $ca.Cert) (b64enc $ca.Key) }}{{ eq $b.Cert $ca.Cert }}',
    '{{ (genSelfSignedCert "x" (list "10.0.0.1" "::1") (list "a.b") 30).Cert | trunc 27 }}',
    '{{ (genCAWithKey "x" 1 (genPrivateKey "ed25519")).Key | trunc 27 }}', '{{ genSelfSignedCert "x" "a" nil 1 }}',
]  # fmt: skip

REST = {"mustFromJson": MUST_FROM_JSON, "urlParse": URL_PARSE, "urlJoin": URL_JOIN,
        "jsonV1": JSON_V1, "times": TIMES, "semverValue": SEMVER_VALUES,
        "crypto": CRYPTO, "certs": CERTS}  # fmt: skip
