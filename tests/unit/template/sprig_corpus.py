"""The sprig cases: templates over data, rendered by real Go with sprig's ``TxtFuncMap`` (see
README.md). Each entry is ``(template, data)``; the id is the first function it calls and its
position. Only deterministic functions appear (no random, time or crypto keys)."""

from __future__ import annotations

from typing import Any

from tests.unit.template.sprig_corpus_rest import REST

D: dict[str, Any] = {
    "s": "Hello, World", "e": "", "n": 0, "i": 42, "neg": -7, "f": 3.75, "z": 0.0,
    "t": True, "no": False, "nil": None, "l": [1, "two", 3.5, None, "", 0],
    "ls": ["b", "a", "c", "a"], "el": [], "m": {"a": 1, "b": {"c": "d"}, "e": ""},
    "em": {}, "num": "123", "fl": "1.50", "hex": "0x1F", "ws": " \t hi there \n",
    "u": "héllo wörld", "nested": {"x": {"y": {"z": 1}}}, "big": 9223372036854775807,
}  # fmt: skip

DEFAULTS = [
    '{{ default "foo" .e }}', '{{ default "foo" .s }}', '{{ default 5 .n }}',
    '{{ default 5 .i }}', '{{ .missing | default "none" }}', '{{ default "x" .el }}',
    '{{ default "x" .em }}', '{{ default "x" .no }}', '{{ default "x" .z }}',
    '{{ default "x" .nil }}', '{{ default "x" }}', '{{ default "x" .l }}',
    '{{ empty .e }} {{ empty .s }} {{ empty .n }} {{ empty .z }} {{ empty .el }} {{ empty .em }}',
    '{{ empty .nil }} {{ empty .missing }} {{ empty .t }} {{ empty .no }} {{ empty .l }}',
    '{{ coalesce .e .n "x" }}', '{{ coalesce .e .nil }}', '{{ coalesce }}',
    '{{ coalesce .missing .m.a }}', '{{ all 1 "a" .t }} {{ all 1 "" }} {{ all }}',
    '{{ any 0 "" .no }} {{ any 0 "a" }} {{ any }}',
    '{{ ternary "yes" "no" true }} {{ ternary "yes" "no" .no }}', '{{ ternary 1 2 "x" }}',
    '{{ toJson .m }}', '{{ toJson .l }}', '{{ toJson .s }}', '{{ toJson .f }}',
    '{{ toJson .nil }}', '{{ toJson "<a&b>" }}', '{{ toRawJson "<a&b>" }}',
    '{{ toPrettyJson .m }}', '{{ toPrettyJson .el }}', '{{ toPrettyJson .em }}',
    '{{ toPrettyJson . }}', '{{ toJson . }}', '{{ toJson 1e21 }} {{ toJson 1e-7 }} {{ toJson 1e20 }}',
    '{{ toJson 0.000001 }} {{ toJson -0.5 }} {{ toJson 100.0 }}',
    '{{ mustToJson .m }}', '{{ mustToPrettyJson .l }}', '{{ mustToRawJson .m }}',
    '{{ toJson "tab\\there\\n\\u2028" }}', '{{ toJson (list "\\u0001") }}',
    '{{ fromJson "{\\"a\\": [1, 2.5, \\"x\\", null, true]}" }}',
    '{{ (fromJson "{\\"a\\": 1}").a | typeOf }}', '{{ fromJson "bad" }}',
    '{{ fromJson "[1,2]" | toJson }}', '{{ fromJson "\\"s\\"" }}',
    '{{ fail "boom" }}', 'a{{ if .t }}{{ fail "stop here" }}{{ end }}',
    '{{ deepCopy .m | toJson }}', '{{ $c := deepCopy .m }}{{ $_ := set $c "a" 9 }}{{ .m.a }}',
    '{{ deepCopy .nil }}',
]  # fmt: skip

STRINGS = [
    '{{ trim .ws }}|', '{{ trimAll "$" "$$5.00$" }}', '{{ trimAll "" "ab" }}',
    '{{ trimall "ab" "abcba" }}', '{{ trimPrefix "Hello, " .s }}', '{{ trimPrefix "x" .s }}',
    '{{ trimSuffix "World" .s }}', '{{ trimSuffix "" .s }}', '{{ upper .s }} {{ lower .s }}',
    '{{ upper .u }} {{ title .u }}', '{{ title "hello world-foo_bar baz.qux 3rd" }}',
    '{{ untitle "Hello World  Foo" }}', '{{ swapcase "Hello World aBc" }}', '{{ repeat 3 "ab" }}',
    '{{ repeat 0 "ab" }}|', '{{ repeat -1 "ab" }}', '{{ "ab" | repeat 2 }}', '{{ substr 0 5 .s }}',
    '{{ substr 7 -1 .s }}', '{{ substr -1 3 .s }}', '{{ substr 3 100 .s }}', '{{ substr 5 2 .s }}',
    '{{ substr 1 3 .u }}', '{{ nospace .ws }}', '{{ trunc 5 .s }}', '{{ trunc -5 .s }}',
    '{{ trunc 100 .s }}', '{{ trunc -100 .s }}', '{{ trunc 0 .s }}|', '{{ abbrev 5 .s }}',
    '{{ abbrev 3 .s }}', '{{ abbrev 100 .s }}', '{{ abbrev 4 "abcdef" }}',
    '{{ initials "first  second\tthird" }}', '{{ initials "" }}|',
    '{{ contains "World" .s }} {{ contains "x" .s }} {{ contains "" .s }}',
    '{{ hasPrefix "Hell" .s }} {{ hasSuffix "ld" .s }} {{ hasPrefix "x" .s }}',
    '{{ quote .s }}', '{{ quote .s 1 .nil 2.5 .t }}', '{{ quote "a\\"b\\n" }}', '{{ quote }}|',
    '{{ quote .l }}', '{{ squote .s 1 .nil }}', '{{ squote .l }}', '{{ cat "a" 1 .nil "b" .t }}',
    '{{ cat }}|', '{{ cat .l .m }}', '{{ indent 4 "a\\nb" }}', '{{ nindent 2 "a\\nb" }}',
    '{{ indent 0 "a" }}', '{{ indent -2 "a" }}', '{{ replace "o" "0" .s }}',
    '{{ replace "" "-" "abc" }}', '{{ .s | replace "l" "L" }}',
    '{{ plural "one" "many" 1 }} {{ plural "one" "many" 0 }} {{ plural "one" "many" 2 }}',
    '{{ splitList "," "a,b,,c" }}', '{{ splitList "" "abc" }}', '{{ splitList "," "" }}',
    '{{ split "," "a,b,c" }}', '{{ (split "," "a,b,c")._1 }}', '{{ splitn "," 2 "a,b,c" }}',
    '{{ splitn "," 0 "a,b,c" }}', '{{ splitn "," -1 "a,b,c" }}', '{{ join "-" .ls }}',
    '{{ join ", " .l }}', '{{ join "," "abc" }}', '{{ join "," 5 }}', '{{ join "," .nil }}',
    '{{ list 1 2 3 | join "+" }}', '{{ sortAlpha .ls }}', '{{ sortAlpha .l }}',
    '{{ sortAlpha "x" }}', '{{ sortAlpha (list "B" "a" "10" "9") }}', '{{ toString 5 }}',
    '{{ toString .l }}', '{{ toString .nil }}', '{{ toString .f }}', '{{ toString .m }}',
    '{{ toStrings .l }}', '{{ toStrings 5 }}', '{{ toStrings .nil }}', '{{ toStrings .ls | len }}',
    '{{ upper 5 }}', '{{ trim .nil }}', '{{ repeat "3" "a" }}', '{{ title "ǆungla" }}',
    '{{ upper "straße" }}', '{{ trim "\\u00a0x\\u3000" }}|', '{{ nospace "a\\u2003b\\u0085c" }}',
]  # fmt: skip

LISTS = [
    '{{ list 1 "a" .nil 2.5 }}', '{{ list }}', '{{ list | len }}', '{{ tuple 1 2 }}',
    '{{ first .l }} {{ last .l }}', '{{ first .el }} {{ last .el }}', '{{ first .s }}',
    '{{ first .nil }}', '{{ rest .l }}', '{{ rest .el }}', '{{ initial .l }}',
    '{{ initial .el }}', '{{ append .ls "z" }}', '{{ push .el 1 }}', '{{ append .s 1 }}',
    '{{ mustAppend .m 1 }}', '{{ prepend .ls "z" }}', '{{ mustPrepend .nil 1 }}',
    '{{ concat .ls .l }}', '{{ concat }}', '{{ concat .ls .s }}', '{{ concat .el .el }}',
    '{{ reverse .ls }}', '{{ reverse .el }}', '{{ uniq .ls }}', '{{ uniq (list 1 1.0 "1" 1) }}',
    '{{ without .ls "a" }}', '{{ without .l .nil "" 0 }}', '{{ has "a" .ls }} {{ has "z" .ls }}',
    '{{ has 1 .l }} {{ has 1.0 .l }} {{ has .nil .l }}', '{{ has 1 .nil }}', '{{ has 1 "abc" }}',
    '{{ mustHas 1 .m }}', '{{ compact .l }}', '{{ compact .el }}', '{{ compact 5 }}',
    '{{ slice .ls 1 }}', '{{ slice .ls 1 3 }}', '{{ slice .ls }}', '{{ slice .el }}',
    '{{ slice .ls 3 1 }}', '{{ slice .ls "1" }}', '{{ slice .s 1 }}', '{{ mustSlice .ls 0 9 }}',
    '{{ until 5 }}', '{{ until -3 }}', '{{ until 0 }}', '{{ untilStep 0 10 3 }}',
    '{{ untilStep 10 0 -4 }}', '{{ untilStep 0 10 0 }}', '{{ untilStep 10 0 2 }}',
    '{{ seq 5 }}', '{{ seq -2 }}', '{{ seq 0 }}', '{{ seq 2 5 }}', '{{ seq 5 2 }}',
    '{{ seq 0 3 10 }}', '{{ seq 10 -3 0 }}', '{{ seq 10 3 0 }}', '{{ seq }}|', '{{ seq 1 2 3 4 }}|',
    '{{ range $i, $v := until 3 }}{{ $i }}={{ $v }} {{ end }}',
    '{{ range $v := list "a" "b" | reverse }}{{ $v }}{{ end }}', '{{ first .l | typeOf }}',
    '{{ list 1 2 | typeOf }} {{ until 2 | typeOf }}', '{{ has 1 (list 1) }}',
    '{{ uniq (list (list 1) (list 1) (dict "a" 1) (dict "a" 1)) }}',
]  # fmt: skip

DICTS = [
    '{{ dict "a" 1 "b" "x" }}', '{{ dict }}', '{{ dict "a" }}', '{{ dict 1 2 .nil 3 }}',
    '{{ get .m "a" }} {{ get .m "zz" }}|', '{{ get .nil "a" }}|', '{{ get .s "a" }}',
    '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }}', '{{ set .m "z" 26 }}',
    '{{ set .nil "a" 1 }}', '{{ unset .m "a" }}', '{{ unset .nil "a" }}',
    '{{ hasKey .m "a" }} {{ hasKey .m "x" }} {{ hasKey .nil "a" }}',
    '{{ pluck "a" .m (dict "a" 2) (dict "b" 3) }}', '{{ pluck "a" }}',
    '{{ keys .m | sortAlpha }}', '{{ keys .m (dict "q" 1) | sortAlpha }}', '{{ keys }}',
    '{{ pick .m "a" "e" "zz" }}', '{{ omit .m "a" "zz" }}', '{{ values (dict "a" 1) }}',
    '{{ values .em }}', '{{ merge (dict "a" 1 "c" (dict "x" 1)) (dict "a" 2 "b" 3 "c" (dict "y" 2)) }}',
    '{{ merge (dict "a" "" "b" 0) (dict "a" "x" "b" 5) }}',
    '{{ mergeOverwrite (dict "a" 1 "c" (dict "x" 1)) (dict "a" 2 "b" 3 "c" (dict "x" 3)) }}',
    '{{ mergeOverwrite (dict "a" 1) (dict "a" "") (dict "a" 0) }}',
    '{{ merge (dict "a" 1) (dict "a" (dict "b" 2)) }}',
    '{{ mergeOverwrite (dict "a" 1) (dict "a" (dict "b" 2)) }}',
    '{{ mergeOverwrite (dict "a" (dict "b" 2)) (dict "a" 1) }}',
    '{{ merge (dict "a" (list 1)) (dict "a" (list 2 3)) }}',
    '{{ mergeOverwrite (dict "a" (list 1)) (dict "a" (list 2 3)) }}', '{{ merge .nil .m }}',
    '{{ merge .m .nil }}', '{{ mustMerge (dict "a" 1) (dict "b" 2) }}',
    '{{ dig "b" "c" "none" .m }}', '{{ dig "b" "x" "none" .m }}', '{{ dig "a" "none" .m }}',
    '{{ dig "x" "y" "z" "none" .nested }}', '{{ dig "a" "b" "none" .m }}', '{{ dig "a" .m }}',
    '{{ dig 1 "none" .m }}', '{{ dig "a" "none" .s }}', '{{ .m | dig "b" "c" "none" }}',
    '{{ get (dict "a" .nil) "a" }}', '{{ (dict "k" "v").k }}', '{{ dict "a" 1 | typeOf }}',
]  # fmt: skip

NUMBERS = [
    '{{ add 1 2 3 }}', '{{ add }}', '{{ add 1 "2" 3.9 .t .nil }}', '{{ add .big 1 }}',
    '{{ add1 .i }}', '{{ add1 "x" }}', '{{ sub 10 3 }}', '{{ sub .neg .f }}', '{{ div 7 2 }}',
    '{{ div -7 2 }}', '{{ div 7 0 }}', '{{ mod 7 3 }}', '{{ mod -7 3 }}', '{{ mod 7 0 }}',
    '{{ mul 2 3 4 }}', '{{ mul 5 }}', '{{ mul .big 2 }}', '{{ max 1 5 3 }}', '{{ min 4 -2 9 }}',
    '{{ biggest 1 "7" }}', '{{ maxf 1.5 2.25 "3" }}', '{{ minf 1.5 -2.25 }}', '{{ floor 1.7 }}',
    '{{ floor -1.2 }}', '{{ ceil 1.2 }}', '{{ ceil "2.5" }}', '{{ round 3.14159 2 }}',
    '{{ round 2.5 0 }}', '{{ round 2.45 1 0.4 }}', '{{ round -1.5 0 }}', '{{ round 1234.5 -2 }}',
    '{{ int "42" }} {{ int 3.9 }} {{ int .t }} {{ int "0x10" }} {{ int "bad" }} {{ int .nil }}',
    '{{ int64 "12.0" }} {{ int64 "12.5" }} {{ int64 -3.9 }} {{ int64 "010" }} {{ int64 .l }}',
    '{{ float64 "1.5" }} {{ float64 2 }} {{ float64 "x" }} {{ float64 .t }} {{ float64 "1e3" }}',
    '{{ atoi "12" }} {{ atoi "-3" }} {{ atoi "+4" }} {{ atoi "1.5" }} {{ atoi "" }} {{ atoi "x" }}',
    '{{ toDecimal "0777" }} {{ toDecimal 17 }} {{ toDecimal "8" }} {{ toDecimal "-10" }}',
    '{{ add 1 2 | typeOf }} {{ int "1" | typeOf }} {{ float64 1 | typeOf }} {{ atoi "1" | typeOf }}',
    '{{ len (list 1 2) | add 1 }}', '{{ if eq (add 1 1) 2 }}two{{ end }}',
    '{{ if gt (len .ls) 3 }}long{{ end }}', '{{ lt (add 1 1) 3 }}', '{{ repeat (add 1 1) "x" }}',
    '{{ until (add 1 2) }}', '{{ printf "%d %T" (add 1 2) (add 1 2) }}', '{{ add 0.5 0.6 }}',
    '{{ floor .nil }}', '{{ round .f 1 }}', '{{ mul 1 2.9 }}', '{{ div .f 2 }}',
]  # fmt: skip

REFLECT = [
    '{{ typeOf .s }} {{ typeOf .i }} {{ typeOf .f }} {{ typeOf .t }} {{ typeOf .l }} {{ typeOf .m }}',
    '{{ typeOf .nil }} {{ typeOf .missing }}', '{{ kindOf .s }} {{ kindOf .i }} {{ kindOf .f }}',
    '{{ kindOf .l }} {{ kindOf .m }} {{ kindOf .t }} {{ kindOf .nil }}',
    '{{ typeIs "string" .s }} {{ typeIs "int" .s }} {{ typeIsLike "int" .i }}',
    '{{ kindIs "slice" .l }} {{ kindIs "map" .l }} {{ kindIs "invalid" .nil }}',
    '{{ deepEqual .l .l }} {{ deepEqual 1 1.0 }} {{ deepEqual (list 1) (list 1) }}',
    '{{ deepEqual .m (dict "a" 1) }} {{ deepEqual .nil .nil }} {{ deepEqual (dict) .em }}',
    '{{ typeOf (index .s 0) }} {{ kindOf (index .s 0) }}', '{{ typeOf (splitList "," "a") }}',
]  # fmt: skip

ENCODING = [
    '{{ b64enc .s }}', '{{ b64enc "" }}|', '{{ b64enc .u }}', '{{ b64dec "SGVsbG8=" }}',
    '{{ b64dec "SGVsbG8" }}', '{{ b64dec "!!" }}', '{{ b64dec "SGVs bG8=" }}',
    '{{ b64dec "SGVsbA==" }}', '{{ b64dec "SGVsbA=" }}', '{{ b64dec "S" }}', '{{ b32enc .s }}',
    '{{ b32enc "" }}|', '{{ sha1sum .s }}', '{{ sha256sum .s }}', '{{ sha256sum "" }}',
    '{{ adler32sum .s }}', '{{ adler32sum "" }}', '{{ .s | b64enc | b64dec }}',
]  # fmt: skip

REGEX = [
    '{{ regexMatch "^[a-z]+$" "abc" }} {{ regexMatch "^[a-z]+$" "abc\\n" }}',
    '{{ regexMatch "l+" .s }} {{ regexMatch "x" .s }}', '{{ regexFind "o." .s }}',
    '{{ regexFind "z" .s }}|', '{{ regexFindAll "l+" .s -1 }}', '{{ regexFindAll "l" .s 2 }}',
    '{{ regexFindAll "l" .s 0 }}', '{{ regexFindAll "a*" "baaac" -1 }}',
    '{{ regexFindAll "x" .s -1 }}', '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}',
    '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "$1W" }}', '{{ regexReplaceAll "a*" "baaac" "X" }}',
    '{{ regexReplaceAll "(?P<w>o)" .s "[$w]" }}', '{{ regexReplaceAll "o" .s "$$" }}',
    '{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', '{{ regexReplaceAll "" "abc" "-" }}',
    '{{ regexSplit "z+" "pizza" -1 }}', '{{ regexSplit "z+" "pizza" 1 }}',
    '{{ regexSplit "" "abc" -1 }}', '{{ regexSplit "a" "" -1 }}', '{{ regexSplit "," "a,b,c" 2 }}',
    '{{ regexSplit "x*" "axbxc" -1 }}', '{{ regexQuoteMeta "1.5+2*[x]" }}',
    '{{ mustRegexMatch "\\\\d+" "a1" }}', '{{ regexReplaceAll "\\\\s+" .ws " " }}',
    '{{ regexFind "(?i)WORLD" .s }}', '{{ regexMatch "a$" "a\\n" }}',
    '{{ regexReplaceAll "(a)(b)?" "ac" "[$2]" }}', '{{ regexReplaceAll "^" "ab" "X" }}',
]  # fmt: skip

PATHS = [
    '{{ base "/a/b/c.txt" }} {{ base "" }} {{ base "/" }} {{ base "a/" }} {{ base "//" }}',
    '{{ dir "/a/b/c" }} {{ dir "c" }} {{ dir "" }} {{ dir "/" }} {{ dir "a/b/" }}',
    '{{ clean "a//b/./c/.." }} {{ clean "" }} {{ clean "/../a" }} {{ clean "../../a/.." }}',
    '{{ ext "a/b.tar.gz" }} {{ ext "a.b/c" }}| {{ ext "" }}| {{ ext "x." }}',
    '{{ isAbs "/a" }} {{ isAbs "a" }} {{ isAbs "" }}',
    '{{ osBase "/a/b" }} {{ osDir "/a/b" }} {{ osClean "/a/../b" }} {{ osExt "f.go" }} {{ osIsAbs "/" }}',
]  # fmt: skip

ERRORS = [
    '{{ get "x" "a" }}', '{{ upper }}', '{{ trunc "a" "b" }}', '{{ repeat 2 }}',
    '{{ substr 0 2 5 }}', '{{ ternary 1 2 }}', '{{ repeat (add 1 1) "x" }}', '{{ set "a" "b" 1 }}',
    '{{ pick .m 1 }}', '{{ dig "a" "b" }}', '{{ hasKey .l "a" }}', '{{ keys .l }}',
    '{{ nosuch 1 }}', '{{ default }}', '{{ plural "a" "b" "c" }}', '{{ until .f }}',
]  # fmt: skip

GROUPS = {"defaults": DEFAULTS, "strings": STRINGS, "lists": LISTS, "dicts": DICTS,
          "numbers": NUMBERS, "reflect": REFLECT, "encoding": ENCODING, "regex": REGEX,
          "paths": PATHS, "errors": ERRORS}  # fmt: skip


def cases() -> list[dict[str, Any]]:
    out = []
    for group, templates in GROUPS.items():
        for i, template in enumerate(templates):
            out.append({"id": f"{group}-{i:03d}", "name": "t", "template": template, "data": D})
    return out


MORE = [
    '{{ merge (dict "a" (dict "x" 1)) (dict "b" (dict "y" 2)) }}',
    '{{ mergeOverwrite (dict "a" "" "b" 0) (dict "a" (dict "y" 2) "b" (list 1)) }}',
    '{{ merge (dict "a" (dict)) (dict "a" (dict "y" 2)) }}', '{{ mergeOverwrite (dict "a" 1) (dict "a" .nil) }}',
    '{{ merge (dict "a" (list)) (dict "a" (list 1)) }}', '{{ $d := dict "a" 1 }}{{ $_ := merge $d (dict "b" 2) }}{{ $d }}',
    '{{ keys (dict "a" 1) | typeOf }}', '{{ toStrings .l | typeOf }}', '{{ regexSplit "," "a" -1 | typeOf }}',
    '{{ deepEqual (splitList "," "a") (list "a") }}', '{{ deepEqual (add 1 0) 1 }}',
    '{{ nospace "héllo wörld" }}', '{{ initials "héllo wörld" }}', '{{ indent 2 "" }}|',
    '{{ toJson -0.0 }}', '{{ toJson 123456789.0 }}',
    '{{ get nil "a" }}|', '{{ merge nil (dict "a" 1) }}', '{{ get .missing "a" }}|',
]  # fmt: skip
GROUPS["more"] = MORE

CASING = [
    '{{ camelcase "http_server" }} {{ camelcase "_camel_case" }} {{ camelcase "no_https" }}',
    '{{ camelcase "_complex__case_" }} {{ camelcase "all" }} {{ camelcase "a" }} {{ camelcase "__" }}',
    '{{ camelcase "hello world-foo" }} {{ camelcase "" }}| {{ camelcase "HELLO_WORLD" }}',
    '{{ snakecase "FirstName" }} {{ snakecase "HTTPServer" }} {{ snakecase "NoHTTPS" }}',
    '{{ snakecase "GO_PATH" }} {{ snakecase "GO PATH" }} {{ snakecase "GO-PATH" }}',
    '{{ snakecase "http2xx" }} {{ snakecase "HTTP20xOK" }} {{ snakecase "Duration2m3s" }}',
    '{{ snakecase "Bld4Floor3rd" }} {{ snakecase " _-_ " }} {{ snakecase "a (b) c" }}',
    '{{ snakecase "abc.def" }} {{ snakecase "ABC123def" }} {{ snakecase "123abc" }} {{ snakecase "x9" }}',
    '{{ kebabcase "FirstName" }} {{ kebabcase "HTTPServer" }} {{ kebabcase "my_var Name" }}',
    '{{ kebabcase "Vela CI Pipeline" }} {{ kebabcase "already-kebab" }} {{ kebabcase "ÜberCool" }}',
    '{{ snakecase "中文Name" }} {{ camelcase "über_cool" }} {{ snakecase "a1B2" }}',
    '{{ wrap 5 "Hello World Foo" }}', '{{ wrap 3 "abcdefgh ij" }}', '{{ wrap 0 "a b" }}',
    '{{ wrap 10 "" }}|', '{{ wrap 4 "  a   b  " }}|', '{{ wrapWith 5 "\\t" "Hello World" }}',
    '{{ wrapWith 3 "|" "abcdefgh ij" }}', '{{ wrapWith 5 "" "Hello World" }}',
    '{{ addf 1.5 2 "3.25" }}', '{{ addf }}', '{{ add1f 1.1 }}', '{{ subf 10 0.1 0.2 }}',
    '{{ mulf 0.1 3 }}', '{{ divf 1 3 }}', '{{ divf 2 3 }}', '{{ divf 10 4 }}', '{{ divf 1 0 }}',
    '{{ divf -2 3 }}', '{{ addf 0.1 0.2 }}', '{{ mulf 1e20 1e20 }}', '{{ addf 1 .nil "x" }}',
    '{{ chunk 2 (list 1 2 3 4 5) }}', '{{ chunk 3 .el }}', '{{ chunk 5 .ls }}', '{{ chunk 2 "ab" }}',
    '{{ mustChunk 1 .ls }}', '{{ hello }}', '{{ addf 1 2 | typeOf }}',
]  # fmt: skip
GROUPS["casing"] = CASING

JSON_EDGES = [
    '{{ fromJson "1e400" }}', '{{ fromJson "[1e400, 2]" }}', '{{ fromJson "{\\"a\\": 1e400}" }}',
    '{{ fromJson "[1, 2" }}', '{{ fromJson "" }}', '{{ fromJson "-1e400" | typeOf }}',
]  # fmt: skip
GROUPS["json"] = JSON_EDGES

_SEMVER = [
    ("1.2.3", "1.2.3"), ("=1.2.3", "1.2.4"), ("!=1.2.3", "1.2.4"), ("!=1.2.3", "1.2.3"),
    (">1.2.3", "1.2.4"), (">1.2.3", "1.2.3"), ("<1.2.3", "1.2.2"), (">=1.2.3", "1.2.3"),
    ("<=1.2.3", "1.2.4"), ("=>1.2", "1.3.0"), ("=<1.2", "1.2.9"), ("<=1.2", "1.3.0"),
    ("~1.2.3", "1.2.9"), ("~1.2.3", "1.3.0"), ("~1", "1.9.0"), ("~1", "2.0.0"), ("~>1.2", "1.2.5"),
    ("~0.0.0", "5.0.0"), ("^1.2.3", "1.9.9"), ("^1.2.3", "2.0.0"), ("^0.2.3", "0.2.9"),
    ("^0.2.3", "0.3.0"), ("^0.0.3", "0.0.3"), ("^0.0.3", "0.0.4"), ("^0.0", "0.0.9"),
    ("^0", "0.9.0"), ("^1.x", "1.5.0"), ("1.2.x", "1.2.7"), ("1.x", "1.9.1"), ("*", "9.9.9"),
    ("x", "1.0.0-beta"), (">=1.2.3", "1.2.4-beta"), (">=1.2.3-alpha", "1.2.4-beta"),
    (">1.2.3-alpha.1", "1.2.3-alpha.2"), (">1.2.3-alpha.10", "1.2.3-alpha.9"),
    (">1.2.3-alpha", "1.2.3-alpha.1"), ("<1.2.3-beta", "1.2.3-alpha"),
    (">1.x", "2.0.0"), (">1.x", "1.5.0"), (">1.2.x", "1.3.0"), (">1.2.x", "1.2.9"),
    (">*", "1.0.0"), ("!=1.x", "1.2.0"), ("!=1.x", "2.0.0"), ("!=1.2.x", "1.2.5"),
    ("!=1.2.x", "1.3.0"), ("!=1.2.3-beta", "1.2.3-beta"), ("!=1.2.x-beta", "1.2.0-alpha"),
    (">=1.0, <2.0", "1.5.0"), (">=1.0 <2.0", "2.0.0"), (">=1.0,<2.0 || >=3.0", "3.1.0"),
    ("1.0 - 2.0", "2.0.5"), ("1.0 - 2.0", "2.1.0"), ("1.2.3 - 1.4.5 || 2.x", "2.8.0"),
    ("v1.2.3", "v1.2.3"), (">= 1.2.3", "1.2.3+build.5"), ("1.2.3+meta", "1.2.3"),
    ("<1.2", "1.1.9"), ("<1.x", "0.9.0"), ("~1.2.x", "1.2.4"), ("^1.2.3", "1.2.3-rc.1"),
    ("junk", "1.2.3"), (">=1.2.3", "junk"), (">1.2.3 || <", "1.0.0"), ("", "1.0.0"),
    ("1.2.3", ""), (">=1.2.3", "1.2"), (">=1.2.3", "01.2.3"), (">=1.2.3", "1.2.3-01"),
    (">=1.2.3", "1.2.3-a_b"), (">=1.2.3", "1.2.3+a_b"), ("=1.2.3", "99999999999999999999.0.0"),
    ("1.2.3 ||", "1.2.3"), ("  >= 1.2  ", "1.2.0"), ("<=1.2.3", "1.2.3-beta"),
]  # fmt: skip
GROUPS["semver"] = [f'{{{{ semverCompare "{c}" "{v}" }}}}' for c, v in _SEMVER]

MORE2 = [
    '{{ abbrevboth 5 10 "1234 5678 9123" }}', '{{ abbrevboth 0 10 "1234 5678 9123" }}',
    '{{ abbrevboth 0 3 "abcdef" }}', '{{ abbrevboth 2 6 "abcdefghij" }}',
    '{{ abbrevboth 10 7 "abcdefghijklmnopqrstuvwxyz" }}', '{{ abbrevboth 100 8 "abcdefghijklmnop" }}',
    '{{ abbrevboth 1 8 "abcdefghijklmnop" }}', '{{ abbrevboth 6 8 "abcdefghijklmnop" }}',
    '{{ abbrevboth 5 20 "short" }}', '{{ abbrevboth 0 4 "" }}|', '{{ abbrevboth -5 9 "abcdefghijklm" }}',
    '{{ mustDeepCopy .m }}', '{{ mustDeepCopy .nil }}', '{{ mustDeepCopy .l | toJson }}',
]  # fmt: skip
GROUPS["more2"] = MORE2

FUZZED = [
    '{{ dig -0.5 "-3" "" }}', '{{ dig 0 .fl (dict "k" 1) (list "b" "a") }}', '{{ mulf "," -1 }}',
    '{{ mulf -1 .u }}', '{{ dig .nil (list 1 2) -1 }}', '{{ unset .missing "a" }}',
]  # fmt: skip
GROUPS["fuzzed"] = FUZZED

FUZZED2 = [
    '{{ maxf " a b " "inf" }} {{ float64 "-Inf" }} {{ float64 "nan" }}', '{{ floor "-0" }}',
    '{{ ceil -0.5 }} {{ floor -0.5 }} {{ ceil 0.5 }}', '{{ maxf "-0" "x" }} {{ maxf 0 "-0" }}',
    '{{ minf .ws "-0" }} {{ minf "-0" 0 }}', '{{ trunc 3 "😀x" }}', '{{ indent 9223372036854775807 "" }}',
    '{{ wrapWith 1 "+5" (split "^1.2" "a-b_c") }}', '{{ split "," "a,b" | typeOf }}',
    '{{ repeat 9223372036854775807 "ab" }}', '{{ printf "%v %+v % v" (float64 "inf") (float64 "inf") (float64 "inf") }}',
]  # fmt: skip
GROUPS["fuzzed2"] = FUZZED2

DATES = [
    '{{ duration 90 }} {{ duration (int64 90) }} {{ duration "90" }} {{ duration "3661" }}',
    '{{ duration "-5" }} {{ duration "0" }} {{ duration "x" }} {{ duration "1.5" }} {{ duration .nil }}',
    '{{ duration "86400" }} {{ duration (int64 -3600) }} {{ duration "9223372036" }} {{ duration "9223372037" }}',
    '{{ duration "+7" }} {{ duration "99999999999999999999" }}',
    '{{ durationRound "2h10m5s" }} {{ durationRound "1.5h" }} {{ durationRound "-3m" }} {{ durationRound "400d" }}',
    '{{ durationRound "8760h1s" }} {{ durationRound "720h" }} {{ durationRound "721h" }} {{ durationRound "25h" }}',
    '{{ durationRound "1s" }} {{ durationRound "1.1s" }} {{ durationRound "61s" }} {{ durationRound "500ms" }}',
    '{{ durationRound "1h30m" }} {{ durationRound "" }} {{ durationRound "0" }} {{ durationRound "5" }}',
    '{{ durationRound ".5h" }} {{ durationRound "5.h" }} {{ durationRound "." }} {{ durationRound "1µs" }}',
    '{{ durationRound "3us2ns" }} {{ durationRound (int64 90000000000) }} {{ durationRound 90000000000 }}',
    '{{ durationRound "+2m1s" }} {{ durationRound "1h-2m" }} {{ durationRound "2540400h10m10.000000000s" }}',
    '{{ durationRound "9999999999h" }} {{ durationRound "1.0000000001s" }} {{ durationRound "100000d" }}',
    '{{ duration (int64 1) | typeOf }} {{ duration "31536001" }}',
]  # fmt: skip
GROUPS["dates"] = DATES

B32 = [
    '{{ b32dec "JBSWY3DPEBLW64TMMQ======" }}', '{{ b32dec "MZXW6===" }}', '{{ b32dec "MZXW6YQ=" }}',
    '{{ b32dec "MZXW6YTB" }}', '{{ b32dec "MY======" }}', '{{ b32dec "" }}|', '{{ b32dec "MZXW6" }}',
    '{{ b32dec "MZXW6==" }}', '{{ b32dec "M=======" }}', '{{ b32dec "MZX=====" }}', '{{ b32dec "mzxw6===" }}',
    '{{ b32dec "MZXW6=A=" }}', '{{ b32dec "MZXW6===MZXW6===" }}', '{{ b32dec "MZ\\nXW6===" }}',
    '{{ b32dec "MZXW6YQ=X" }}', '{{ b32dec "=" }}', '{{ b32dec "MZXW6YTBOI======" }}', '{{ b32dec "MZXW61==" }}',
    '{{ b32dec "MZXW6YTBOI=====" }}', '{{ b32dec "MZXW6YTB===" }}', '{{ .s | b32enc | b32dec }}',
]  # fmt: skip
GROUPS["b32"] = B32

B64 = [
    '{{ b64dec "\\ns+bS8/" }}', '{{ b64dec "G/A\\nA" }}', '{{ b64dec "+\\n" }}', '{{ b64dec "S//==G+=Ss\\n" }}',
    '{{ b64dec "/\\nS8\\n=G" }}', '{{ b64dec "\\nsVAG" }}', '{{ b64dec "\\n=" }}', '{{ b64dec "GG/===G" }}',
    '{{ b64dec "SGVsbA=\\n=" }}', '{{ b64dec "SGVsbA==\\n" }}', '{{ b64dec "SGVsbA==x" }}', '{{ b64dec "SGVsbG8=\\r\\n" }}',
    '{{ b64dec "SGV" }}', '{{ b64dec "SGVs\\nbG8=" }}', '{{ b64dec "SG=" }}', '{{ b64dec "S===" }}',
]  # fmt: skip
GROUPS["b64"] = B64

REGEX2 = [
    '{{ regexSplit "\\\\pL+" "v1.2.3" -1 }}', '{{ regexFindAll "[[:alpha:]]+" "a.b.c" -1 }}',
    '{{ regexReplaceAll "\\\\B" "HÉLLO" "-" }}', '{{ regexSplit "\\\\w+" "héllo wörld" -1 }}',
    '{{ regexFind "\\\\Qa.b\\\\E" "xa.by" }}', '{{ regexFind "[\\\\w-]+" "HÉLLO" }}',
    '{{ regexFind "\\\\w+" "ǅx" }}', '{{ regexFindAll "\\\\bfoo\\\\b" "foo foobar éfoo" -1 }}',
    '{{ regexFindAll "\\\\d+" "x١٢٣y 42" -1 }}', '{{ regexReplaceAll "\\\\s+" "tab\\there\\v!" "_" }}',
    '{{ regexMatch "(?i)héllo" "HÉLLO" }}', '{{ regexFindAll "(?m)^\\\\w" "a\\nb\\nc" -1 }}',
]  # fmt: skip
GROUPS["regex2"] = REGEX2

UNICODE = [
    '{{ lower "İI" }} {{ upper "ıi" }} {{ swapcase "ſßéĳİ" }} {{ untitle "İx" }}',
    '{{ camelcase "HTTPİŉABC(ſZ.İı" }} {{ snakecase "Kİ." }} {{ kebabcase "(İΣ [ABCǅ$Id" }}',
    '{{ title "ǆ ĳ ß σς" }} {{ upper "ŉǰ" }} {{ initials "ǅx éy" }}',
]  # fmt: skip
GROUPS["unicode"] = UNICODE

NUMBERS2 = [
    '{{ atoi "418446744073709551616+E.6" }} {{ atoi "-99999999999999999999x" }} {{ atoi "9223372036854775808" }}',
    '{{ atoi "-9223372036854775808" }} {{ atoi "+" }} {{ atoi "1_0" }} {{ atoi " 1" }}',
    '{{ duration "92233720368547758070_X_O" }} {{ duration "-18446744073709551616" }}',
    '{{ minf 1 "+NaN" }} {{ maxf 1 "NaN" }} {{ float64 "-nan" }} {{ float64 "1_0" }} {{ float64 "+Infinity" }}',
    '{{ int64 "1_000" }} {{ int64 "0b101" }} {{ int64 "0o17" }} {{ int64 "9223372036854775808" }} {{ int "-0x10" }}',
]  # fmt: skip
GROUPS["numbers2"] = NUMBERS2
GROUPS["numbers2"].append(
    "{{ round 1 1e09 }} {{ round 0 400 }} {{ round 1.5 -400 }} {{ round -2.5 0 }}"
)
GROUPS["regex2"].append('{{ regexMatch "+5" "  " }} {{ regexMatch "(" "(" }}')
GROUPS["numbers2"].append('{{ round "-0" 0 }} {{ round -0.3 0 0.9 }} {{ round -0.7 0 }}')
GROUPS["dicts"].append('{{ mergeOverwrite (split "," "a,b") }}')
GROUPS["lists"].append(
    '{{ slice (splitList "," "a,b,c") 1 | typeOf }} {{ slice (until 4) 1 3 | typeOf }}'
)

GROUPS.update(REST)
