"""The cases of Vela's own functions, ``toYaml`` and ``vela``, rendered by real Go with sprig and
Vela's code (``oracle_vela``, see README.md). Each case is a template, its data, and for ``vela``
the step's environment and the template's name."""

from __future__ import annotations

from typing import Any

# strings for toYaml: which ones yaml.v3 quotes, how, and which become literal blocks
STRINGS = [
    "", "plain", "true", "True", "TRUE", "false", "yes", "no", "on", "off", "y", "n", "Y", "NO",
    "null", "Null", "~", "1", "-1", "+1", "0", "00", "08", "0o7", "0o8", "0x1F", "0xZ", "0b101",
    "-0b11", "1_000", "1e3", "1.5", "1e400", "-1e400", ".5", ".inf", ".Inf", ".nan", "+.inf",
    "-.inf", ".iNf", ".", "..", "...", "---", "--- a", "-", "- a", "-a", "a: b", "a:b", "a :b",
    "a #b", "a#b", "#a", "!a", "&a", "*a", "|a", ">a", "'a", '"a', "%a", "@a", "`a", "?a", "? a",
    ":a", ": a", "a:", "a ", "  a", " a", "a\tb", "\ta", "a\nb", "a\n", "a\n\n", "\n", "\na",
    "a \nb", "a\n b", "a\r\nb", "a\rb", "x\u2028y", "é", "😀 emoji", "\x7f", "\x01", "\x85",
    "\ufeffa", "a\ufeff", "it's", "it's: x", "{a}", "[a]", "a,b", "a[b]", "1:20", "1:20:30.5",
    "-1:20", "2024-01-05", "2024-1-5", "2024-13-01", "2024-02-30", "2024-02-29", "2023-02-29",
    "2024-01-05T10:20:30Z", "2024-01-05t10:20:30.123+05:30", "2024-01-05 10:20:30",
    "2024-01-05  1:2:3.5", "2024-01-05T10:20:30", "2024-01-05T25:00:00Z", "2024-01-05T1:2:3+25:00",
    "12345-01-01", "<<", "=", "9223372036854775807", "9223372036854775808",
    "18446744073709551615", "18446744073709551616", "-9223372036854775808",
    "-9223372036854775809", "+18446744073709551615", "1e", "0x", "0.", "+.5", "-.5e3",
    "a  b", "a: b: c", 'a"b', "back\\slash", "trailing space \nx", "tab\tin\nliteral",
    "  indented\nblock", "\n\nleading breaks", "ends\n\n\n", "emoji 😀\nblock", "cr\r\nblock",
    "the quick brown fox jumps over the lazy dog " * 4, "a\u2029b c", "NaN", "Infinity", "0777",
]  # fmt: skip

NUMBERS = [0, 1, -1, 9223372036854775807, -9223372036854775808, 1.0, 1.5, -0.0, 1e6, 1.5e6,
           123456.0, 1e21, 1e-7, 0.0001, 0.1, 123456789.0, 3.14159, -2.5e-300]  # fmt: skip

VALUES: list[Any] = [
    None, True, False, [], {}, [None], [[]], [{}], {"a": None}, {"a": [], "b": {}},
    [1, [2, [3, [4]]]], [{"a": 1, "b": [1, 2]}, {"c": {"d": "e"}}], {"a": {"b": {"c": {"d": 1}}}},
    {"list": [{"name": "x", "env": {"A": "1"}}, "y"]}, [[{"a": 1}]], [["a\nb", "c"]],
    {"a10": 1, "a2": 2, "a1": 3, "b": 4, "B": 5, "_x": 6, "10": 7, "9": 8, "a01": 9, "a001": 10},
    {"x1y": 1, "x01y": 2, "x10": 3, "x9z": 4, "xa": 5, "x": 6, "é": 7, "e": 8, "Z": 9, "": 10},
    {"true": 1, "a b": 2, "a: b": 3, "1": 4, "#": 5, "- x": 6, "null": 7, "y": 8, "'q'": 9},
    {"k" * 129: 1, "k" * 128: 2}, {"multi\nline": 1}, {"a\u2028b": 1}, {"a\nb": {"c": 1}},
    {"s": "a\nb", "t": ["c\nd", "e"], "u": {"v": "w\nx\n"}}, {"lead": " x\ny"}, ["\n"],
    [" a\nb", "a\n", "a\n\n"], {"tab": "\tx\ny"}, {"é": "ü", "日本": "語"},
    {"steps": [{"name": "build", "image": "golang:1.22", "commands": ["go build", "go test ./..."],
                "ruleset": {"branch": ["main"], "event": ["push"]}}]},
]  # fmt: skip

TEMPLATES = [
    '{{ toYaml (list 1 "a" 2.5 nil) }}', '{{ toYaml (dict "b" 1 "a" (list)) }}',
    '{{ toYaml (splitList "," "a,b,,c") }}', '{{ toYaml (split "," "a,b") }}',
    '{{ toYaml (add 1 2) }}', '{{ toYaml (until 3) }}', '{{ toYaml (index "ab" 0) }}',
    '{{ toYaml (substr 0 1 "é") }}', '{{ toYaml (substr 0 101 (repeat 60 "é")) }}',
    '{{ toYaml (dict (substr 0 1 "é") 1) }}', '{{ toYaml .missing }}', '{{ toYaml 1.0 }}',
    '{{ toYaml "x" }}', '{{ toYaml }}', '{{ toYaml 1 2 }}', '{{ toYaml .m | indent 4 }}',
    "steps:\n  - name: x\n    environment:\n{{ toYaml .m | indent 6 }}", '{{ toYaml . }}',
    '{{ toYaml (list (list) (dict) "") }}', '{{ toYaml (dict "k" (list (dict "a" "b\\nc"))) }}',
    '{{ toYaml (fromJson "{\\"a\\": 1}") }}', '{{ toYaml (semverCompare "1.x" "1.2") }}',
    '{{ toYaml (toStrings (list 1 2)) }}', '{{ toYaml (keys (dict "b" 1 "a" 2) | sortAlpha) }}',
    '{{ toYaml (float64 "1e100") }}', '{{ toYaml (int64 5) }}', '{{ toYaml (regexSplit "," "a,b" -1) }}',
    '{{ toYaml (toDate "2006-01-02 15:04:05.000" "2024-02-29 10:11:12.340") }}',
    '{{ toYaml (list (toDate "2006-01-02" "2024-07-01") (dict "t" (toDate "2006 MST" "2024 UTC"))) }}',
]  # fmt: skip

DOC = {"m": {"A": "1", "B": "two words", "C": "yes", "D": "a\nb"}, "n": 5}

# a certificate and key genCA made once, base64-encoded, for buildCustomCert
FIXED_CA = {
    "c": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURDekNDQWZPZ0F3SUJBZ0lRTXU2NytzYmhlRDcxbFJ2TjRCUDJNVEFOQmdrcWhraUc5dzBCQVFzRkFEQVEKTVE0d0RBWURWUVFEREFWbWFYaGxaREFlRncweU5qRXhNekF5TXpJMk1UQmFGdzB6TmpFeE1qY3lNekkyTVRCYQpNQkF4RGpBTUJnTlZCQU1NQldacGVHVmtNSUlCSWpBTkJna3Foa2lHOXcwQkFRRUZBQU9DQVE4QU1JSUJDZ0tDCkFRRUF3R2xKS0QzWjRubTVJZW5vWE5WeHI5RzNGQ3dRaFUxMnlmTWEwTFJtbEN2T2U5YUt5S3BKc1FCd0hVMEEKWnNVZER6VmRLaEptR3U4SytDakhDU20zWkRtcVVOdzhsc2tRdURwUzRRTHJkemlCYzc0Q3BTMDVvTHoweDVvZwo5SCsvOFZFaWZXb0pYaG1HMG9MRVhHdTExbkdSZFkxSkZ1b1BtVFozSVQ0cGl4RkxjelQxQjBFWVNNOE8rbEJkCngyM0w2Q2dFZS80bk1UU2h3TnU3RUpDdERHdndneEhrZXNWTEg2N3BoVzM0Z1hlWTVocXRlSTFRb3NrKzhVSlMKNUcvUVlJWGNZcTVOSnN0UWozMXJ3cnZEZFdBSzF5aW11VG80RVFCbDVydFAxWS9ZUVlFOGlhSWlwbjY2SXdqUApyZWhCUlcxUk5Sc2FNcmI1UDZBQTFxMGxid0lEQVFBQm8yRXdYekFPQmdOVkhROEJBZjhFQkFNQ0FxUXdIUVlEClZSMGxCQll3RkFZSUt3WUJCUVVIQXdFR0NDc0dBUVVGQndNQ01BOEdBMVVkRXdFQi93UUZNQU1CQWY4d0hRWUQKVlIwT0JCWUVGRHFlUzdBTDBVTVJVbzRiMDRPZ09CcFJCdHdCTUEwR0NTcUdTSWIzRFFFQkN3VUFBNElCQVFCeAowUjBDQldWYTQwbHRkY2Y4UUx1by9peVVIUStpV1JYZndWOHNpOFdTMXRqTHVKMDJhc2Y5Sitaa0lMMTdOS0ROCkhSUUExMnVsTlhoR04vQi9RcTNFQWpWRjJuK0FPOWFMNHMrazZLZDRjNW5NbC9veHlmeHVwUU85T21NZXNQdFMKUStrbXA4d1hDY1pUUW94MjdLck5IRkRwdUl2dTRQRXFvOE9Hd1U2dXhUL0tQK0EzeUNZeXhZK2M4ZGU4Ulk1Rgp4LzZRQ3gyVnBXZnlBSGppbW9yWG15blVIS1VMUFdRZ0VtWHVVZUNrY0pKSVE2aDVCVmxuTFlmOXpsSCtzeUxGCjFyUVMvemlMNnlMRDM0V0tsRTdmSXRuY0ZITDhSK0RVeDgrcXBqNjdlR2ZBN0Z0NnZkNXRUM2NwVjdpSG5IQnYKTDhlSG0wckpNbmlxYjBTL1phcVAKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=",
    "k": "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFb3dJQkFBS0NBUUVBd0dsSktEM1o0bm01SWVub1hOVnhyOUczRkN3UWhVMTJ5Zk1hMExSbWxDdk9lOWFLCnlLcEpzUUJ3SFUwQVpzVWREelZkS2hKbUd1OEsrQ2pIQ1NtM1pEbXFVTnc4bHNrUXVEcFM0UUxyZHppQmM3NEMKcFMwNW9MejB4NW9nOUgrLzhWRWlmV29KWGhtRzBvTEVYR3UxMW5HUmRZMUpGdW9QbVRaM0lUNHBpeEZMY3pUMQpCMEVZU004TytsQmR4MjNMNkNnRWUvNG5NVFNod051N0VKQ3RER3Z3Z3hIa2VzVkxINjdwaFczNGdYZVk1aHF0CmVJMVFvc2srOFVKUzVHL1FZSVhjWXE1TkpzdFFqMzFyd3J2RGRXQUsxeWltdVRvNEVRQmw1cnRQMVkvWVFZRTgKaWFJaXBuNjZJd2pQcmVoQlJXMVJOUnNhTXJiNVA2QUExcTBsYndJREFRQUJBb0lCQUNrR3loaVFoNkxvdlhiagp2eTM4UFE5Mk1nbFZFL2k0ZWJtNTRsL1o5MzFra2RTSi9IR3BEYWwySkhHNjkzanlVcTNwZlFINWhsZjczR1RwCm5QYnhOQzlrdEZJbGc2M0xGWXVTdEJWU1lBNjl0NnlNT1ZncStueXhqYWY1ejBrUzdFUnlQbDVyZTYvYTFZcVIKWTNrcFprNWhUTmk1MVhuVFVwd2lwdWdwcndYOXZUbEhVRUpZbWVkVUJvYUlEdGc2VG1ueW1aR2NIMHp1L1pxMwpnVi9iSGd5RDUyZTF3RlJxYlJzbUNMeDMxNDV5TjRRR2RkbDIzczJtNUNXY0xrUGNrNEtSemNCS2JrYkNGdHYwCldQOWI5VE1mMysxZStVaGtiK2prN3JnVmpIc0tIWDJuWWhZRDJpY3JqOXZsVGtSalZVcXI2NWFNNDJlbDVEaFEKSEVyWHVoRUNnWUVBN0ZlRnM5RzdFNU1lNDFweVJFNThzWXJudnZjaFNmdGZVTm5VYThPcEJWUDU1eXg3ZzIzKwoyb3BNUnhiQXYvVlM3Sm9zdW5vQm1TSkJ5YW13VVVPSjFFUGFTZDA2eUJDcGtCQVFJT2d0NjhKSGJLTVVrWDJ6CkZEYm15bUc3Z2JPNktpcGFiRzRjRjdxK0JabU02Yi9QbGFNMnlZeUUzWk5aUUhmT0Y4QWs0eHNDZ1lFQTBHcFcKOWttZmNRM09zWnJXVithZWl1RWlkTFR3ZkhaMXdCdk9RcXZtN0pLaVp1d3FTcnZBWGN1WFFEcTJGbElscWJvMgorVldXaFVLQkRNWk0zclhYT3dtaFdCUmc1WWxSMUhjcE11V2FDSVVxenZ3QTZKU2o1WUQ2TnV6d3hjM2greThpCmE4TlZZZUpnMW1iZi9vVlFscERjUHRqbjFXK1o0dUFrZkJyUm1EMENnWUFEejlHUE9lVzdoaGJzY2N3QUFBZ1EKMFAyMTNjU0NyZlEybUp6TmRDVm91WmNCUEgxdGZEdXRDS2Y4U1lpb1QrdWJkMDBiWU5aZnd1YXV1dmJtQ0tIVApjNWkwc2tXOWJrOWR6SFNHSTFpQ1Flcm0vS1piUmx5NkNieWxMUGhhT2l6WmV6OWtHazZIcjNKYklzUGNEVVRxCjArd1JTaHZtZXZib2pFWWRxZkt1V3dLQmdGUythSTNNY2VCdVZOVXl1R1VWaVBHL2lWc2JGNDRFUE96WVlZNEsKaCtNNTNIOHRHQ1U3SW9VQSs0ZEtXQy9MUnpVMFdwWVhqeFN3YmZqYnlQWGx5cFplM0JRTWRUbmdGRDNvRmdCMApDNlhiUUFUWnd5VFBDN1dPTkMrUk9IVzF1V1dCVE9XMGowczEyVnBVaWsvYnRXRURsZ3FYOSt4NWJJRXIwcW9ECjNhV2hBb0dCQUsvVVdNekFWY1hjdFZaZkdDeTVBdmgzYXc5a1FJRzB4RnoyVXh4QWdSSmU4V1E5UzdXc0lrOGQKNEh5QVFaZ2FqZHgyL2ViekltWjA0dkoxaWJ4ZkdiY1R1NU1QN1RJK1owSGw1a1JoSXZ0bjI0dnUxRWgrcFpJQwozYW83ZkVZeHdnT2hYVytzSW9SWDF0WXA3dTRCcWp4d0hROGNpN1pWTHR6bExXZDM1MVVXCi0tLS0tRU5EIFJTQSBQUklWQVRFIEtFWS0tLS0tCg==",
}
STRUCTS = [
    "{{ toYaml (buildCustomCert .c .k) }}", "{{ toJson (buildCustomCert .c .k) }}",
    "{{ (buildCustomCert .c .k).Cert }}", '{{ toYaml (semver "v1.2.3") }}',
    '{{ toYaml (list (semver "1.0.0") (semver "1.2.3-rc.1+b")) }}', '{{ toJson (semver "1.2") }}',
    '{{ toYaml (dict "v" (semver "1.2.3") "t" (toDate "2006" "2024")) }}',
    '{{ toPrettyJson (dict "c" (buildCustomCert .c .k) "v" (semver "2")) | len }}',
]  # fmt: skip

ENV = {
    "VELA_BUILD_NUMBER": "42", "VELA_REPO_FULL_NAME": "octo/hello", "vela_lower": "l",
    "Vela_Mixed": "m", "DEPLOYMENT_PARAMETER_REGION": "us-east", "HOME": "/root",
    "VELA_FOO": "from vela", "DEPLOYMENT_PARAMETER_FOO": "from deployment",
    "VELA_DEPLOYMENT_PARAMETER_BAR": "bar via vela", "VELA_": "empty suffix", "VELA_TEMPLATE_NAME": "",
}  # fmt: skip

VELA = [
    '{{ vela "build_number" }}', '{{ vela "BUILD_NUMBER" }}', '{{ vela "vela_build_number" }}',
    '{{ vela "VELA_BUILD_NUMBER" }}', '{{ vela "repo_full_name" }}', '{{ vela "lower" }}',
    '{{ vela "mixed" }}', '{{ vela "deployment_parameter_region" }}', '{{ vela "region" }}|',
    '{{ vela "DEPLOYMENT_PARAMETER_REGION" }}', '{{ vela "foo" }}',
    '{{ vela "deployment_parameter_foo" }}', '{{ vela "vela_foo" }}', '{{ vela "bar" }}|',
    '{{ vela "deployment_parameter_bar" }}', '{{ vela "vela_deployment_parameter_bar" }}',
    '{{ vela "template_name" }}', '{{ vela "vela_template_name" }}', '{{ vela "home" }}|',
    '{{ vela "HOME" }}|', '{{ vela "" }}', '{{ vela "vela_" }}', '{{ vela "missing" }}|',
    '{{ vela 5 }}', '{{ vela }}', '{{ vela "a" "b" }}', '{{ "build_number" | vela }}',
    '{{ vela "build_number" | printf "%q" }}', '{{ if vela "missing" }}yes{{ else }}no{{ end }}',
]  # fmt: skip


def cases() -> list[dict[str, Any]]:
    """Every case, with its id."""
    out: list[dict[str, Any]] = []
    counts: dict[str, int] = {}

    def add(group: str, case: dict[str, Any]) -> None:
        n = counts[group] = counts.get(group, -1) + 1
        out.append({"id": f"{group}-{n:03d}", "name": "t", **case})

    for s in STRINGS:
        add("yaml-string", {"template": "{{ toYaml .v }}", "data": {"v": s}})
        add("yaml-string-in-map", {"template": "{{ toYaml . }}", "data": {"k": s, "l": [s]}})
    for v in NUMBERS + VALUES:
        add("yaml-value", {"template": "{{ toYaml .v }}", "data": {"v": v}})
    for t in TEMPLATES:
        add("yaml-template", {"template": t, "data": DOC})
    for t in STRUCTS:
        add("yaml-struct", {"template": t, "data": FIXED_CA})
    for t in VELA:
        add("vela", {"template": t, "environment": ENV, "name": "sample"})
    add("vela", {"template": '{{ vela "template_name" }}', "environment": {}, "name": "other"})
    add("vela", {"template": '{{ vela "build_number" }}|', "name": "t"})
    return out
