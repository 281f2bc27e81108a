"""The differential cases, continued: functions, printf, errors, edges and Vela-shaped
templates (see ``corpus.py``)."""

from __future__ import annotations

from typing import Any

from tests.unit.template.corpus_base import D

FUNCTIONS = [
    ("{{ and 1 2 }} {{ and 0 2 }} {{ and .s .e .i }} {{ and .s .i }}", D),
    ("{{ or 0 2 }} {{ or 0 .e }} {{ or .e .s }} {{ or .missing .n }}", D),
    ("{{ and }}", None),
    ("{{ or 1 (index .missing 1) }}", D),
    ("{{ and 0 (index .missing 1) }}", D),
    ("{{ 1 | and 2 }} {{ 0 | or 3 }} {{ 2 | and 0 }}", None),
    ("{{ not 0 }} {{ not 1 }} {{ not .e }} {{ not .l }} {{ not .missing }} {{ not .n }}", D),
    ("{{ not }}", None),
    ("{{ not 1 2 }}", None),
    ('{{ len .s }} {{ len .u }} {{ len .l }} {{ len .m }} {{ len .el }} {{ len "" }}', D),
    ("{{ len .i }}", D),
    ("{{ len .missing }}", D),
    ("{{ len .n }}", D),
    ("{{ len nil }}", None),
    (
        '{{ index .l 1 }} {{ index .m "a" }} {{ index .m "c" 1 }} {{ index .s 0 }} {{ index .u 1 }}',
        D,
    ),
    ("{{ index .l }} {{ index .m }}", D),
    ("{{ index .l 5 }}", D),
    ("{{ index .l 4 }}", D),
    ("{{ index .l -1 }}", D),
    ("{{ index .l 1.5 }}", D),
    ('{{ index .l "a" }}', D),
    ("{{ index .l nil }}", D),
    ("{{ index .m 1 }}", D),
    ("{{ index .m nil }}", D),
    ('{{ index .m "zz" }}|{{ index .em "a" }}', D),
    ('{{ index .m "zz" "y" }}', D),
    ('{{ index .missing "zz" }}', D),
    ('{{ index .n "zz" }}', D),
    ("{{ index .i 0 }}", D),
    ('{{ index "ab" 2 }}', None),
    ("{{ index (index .l 3) 0 }}", D),
    ('{{ index . "a-b" }}', {"a-b": "dash"}),
    ("{{ slice .l 1 3 }} {{ slice .l 2 }} {{ slice .l }} {{ slice .s 1 3 }} {{ slice .s 2 }}", D),
    ("{{ slice .l 1 2 3 }}", D),
    ("{{ slice .s 1 2 3 }}", D),
    ("{{ slice .l 3 1 }}", D),
    ("{{ slice .l 1 2 3 4 }}", D),
    ("{{ slice .l 0 9 }}", D),
    ("{{ slice .i 0 }}", D),
    ("{{ slice .missing 0 }}", D),
    ("{{ slice .u 1 2 }}|{{ slice .u 1 3 }}", D),
    (
        '{{ eq 1 1 }} {{ eq 1 2 }} {{ eq 1 2 1 }} {{ eq .s "hello" }} {{ eq .f 1.5 }} {{ eq .t true }}',
        D,
    ),
    ("{{ eq 1 1.0 }}", None),
    ('{{ eq 1 "1" }}', None),
    ("{{ eq .s 1 }}", D),
    ("{{ eq .missing 1 }} {{ eq .missing .n }} {{ eq .n nil }} {{ eq nil nil }}", D),
    ("{{ eq 1 }}", None),
    ("{{ eq }}", None),
    ("{{ eq .l .l }}", D),
    ("{{ eq .m 1 }}", D),
    ("{{ eq (index .s 0) 104 }} {{ eq 104 (index .s 0) }} {{ lt (index .s 0) 200 }}", D),
    ('{{ ne 1 2 }} {{ ne .s "hello" }} {{ ne 1 1 }}', D),
    ("{{ ne 1 2 3 }}", None),
    ('{{ ne 1 "a" }}', None),
    ('{{ lt 1 2 }} {{ lt 2 1 }} {{ lt 1.5 2.5 }} {{ lt "a" "b" }} {{ lt "b" "a" }}', None),
    ("{{ le 1 1 }} {{ le 2 1 }} {{ gt 2 1 }} {{ gt 1 1 }} {{ ge 1 1 }} {{ ge 0 1 }}", None),
    ("{{ lt true false }}", None),
    ("{{ lt 1 1.5 }}", None),
    ("{{ lt .l 1 }}", D),
    ("{{ lt .missing 1 }}", D),
    ("{{ gt .s 1 }}", D),
    ("{{ le 1 }}", None),
    ('{{ print }}|{{ print 1 2 }}|{{ print "a" "b" }}|{{ print 1 "a" 2 }}|{{ print .l .m }}', D),
    ("{{ print nil }} {{ print .missing }} {{ print .n }} {{ print 1.0 2.5 }}", D),
    ('{{ println }}|{{ println 1 2 }}|{{ println "a" "b" }}', None),
    ('{{ html .html }} {{ html 1 2 }} {{ html "a" "<" }} {{ html nil }}', D),
    ("{{ html .missing }} {{ html .n }}", D),
    ('{{ js .html }} {{ js "a\\tb\\u00e9\\u2028=" }} {{ js 1 }}', D),
    ('{{ urlquery "a b&c=d/é?" }} {{ urlquery 1 2 }} {{ urlquery "~-_." }}', None),
    ("{{ nofunc 1 }}", None),
    ('{{ .s | len }} {{ .l | len | print }} {{ "x" | printf "%s-%s" "y" }}', D),
    ('{{ .s | printf "%d" }}', D),
    ("{{ printf }}", None),
    ("{{ printf 1 }}", None),
    ("{{ printf .i }}", D),
    ("{{ printf .missing }}", D),
    ("{{ printf .n }}", D),
    ("{{ printf .s }}", D),
    ("{{ printf (print 1) }}", None),
    ("{{ printf nil }}", None),
    ("{{ printf true }}", None),
    ("{{ call 1 }}", None),
    ("{{ call .missing }}", D),
    ("{{ call .s 1 }}", D),
    ("{{ call }}", None),
    ("{{ (len .s) }} {{ (print (len .l) (index .l 1)) }}", D),
    ('{{ len .s | print "n=" }}', D),
    ('{{ print (1) ("a") }}', None),
]

PRINTF = [
    ('{{ printf "%v %v %v %v %v" 1 1.5 "s" true nil }}', None),
    ('{{ printf "%v|%v|%v|%v" .l .m .el .em }}', D),
    ('{{ printf "%+v|%#v|%#v|%#v|%#v" .m .m .l .s .i }}', D),
    ('{{ printf "%#v %#v %#v" 1.0 .f .n }}', D),
    ('{{ printf "%T %T %T %T %T %T %T %T" 1 1.5 "s" true nil .l .m (index .s 0) }}', D),
    (
        '{{ printf "%d %5d %-5d| %05d %+d % d %x %X %o %O %b %#x %#o %#b" 42 42 42 42 42 42 255 255 8 8 5 255 8 5 }}',
        None,
    ),
    ('{{ printf "%d %x %05d %+d %.3d %8.3d" -42 -255 -42 -42 7 7 }}', None),
    ('{{ printf "%c %c %q %U %#U" 65 233 65 233 233 }}', None),
    (
        '{{ printf "%s|%10s|%-10s|%.2s|%q|%x|%X|% x|%#q|%+q" "héllo" "hi" "hi" "héllo" "a\\"b\\n" "hi" "hi" "hi" "bq" "é" }}',
        None,
    ),
    (
        '{{ printf "%f %.2f %8.3f %-8.2f| %08.3f %+.1f %e %E %.3e %g %G %.3g %g %g" 3.14159 3.14159 3.14159 3.14159 3.14159 3.14159 1234.5678 1234.5678 1234.5678 1234.5678 1e-7 1234.5678 1e21 100000.0 }}',
        None,
    ),
    ('{{ printf "%5.2f%%" 99.5 }}', None),
    ('{{ printf "%f" -0.0 }} {{ printf "%.0f %.0f %.0f" 0.5 1.5 2.5 }}', None),
    ('{{ printf "%6.2v|%.3v|%10v|%-10v|" 3.14159 3.14159 "abc" 12 }}', None),
    ('{{ printf "%t %t %v" true false true }}', None),
    (
        '{{ printf "%d" "s" }} {{ printf "%s" 1 }} {{ printf "%t" 1 }} {{ printf "%f" 1 }} {{ printf "%d" 1.5 }}',
        None,
    ),
    (
        '{{ printf "%d" nil }} {{ printf "%s" .missing }} {{ printf "%s" .n }} {{ printf "%v" .missing }}',
        D,
    ),
    ('{{ printf "%s %d" .l .l }}', D),
    ('{{ printf "%d %d" 1 }}', None),
    ('{{ printf "%d" 1 2 "x" nil }}', None),
    ('{{ printf "%" }} {{ printf "abc%" }} {{ printf "%z" 1 }} {{ printf "%!" }}', None),
    ('{{ printf "%*d|%-*d|%.*f" 5 1 4 2 2 3.14159 }}', None),
    ('{{ printf "%s" .html }} {{ printf "%q" .u }}', D),
    ('{{ printf "%5t|%-7v|%3c|" true nil 66 }}', None),
    ('{{ printf "%x %X" 3.5 "é" }}', None),
    ('{{ printf "%v %v %v %v %v %v" 1e6 1e-5 123456789.0 0.000123 1e20 1e21 }}', None),
    ('{{ printf "%v %v" .big .tiny }}', D),
    (
        '{{ printf "%s" (index .s 1) }} {{ printf "%v %d %c" (index .s 1) (index .s 1) (index .s 1) }}',
        D,
    ),
    ('{{ printf "%v" (slice .s 1 2) }}', D),
    ('{{ printf "%08.3f|%-08.3f|%+08d|%x" -3.5 -3.5 42 -1 }}', None),
    ('{{ printf "%.1f %.1f %.2f %.2f" 0.25 0.35 1.005 2.675 }}', None),
    ('{{ printf "%g %g %g %g %e" 0.0 -0.0 100.0 1e-4 0.0 }}', None),
    ('{{ printf "%6.3g|%.10g|%#g|%#.3g" 3.14159 3.14159 1.0 1.0 }}', None),
    (
        '{{ printf "%v" .l }} {{ printf "%5v" .ints }} {{ printf "%q" .strs }} {{ printf "%x" .ints }}',
        D,
    ),
    ('{{ printf "%q" 1.5 }} {{ printf "%c" "a" }} {{ printf "%U" -1 }}', None),
]

PARSE_ERRORS = [
    ("{{ .s | }}", D),
    ("{{ | .s }}", D),
    ("{{ }}", None),
    ("{{ ( ) }}", None),
    ("{{ .s 1 | 2 }}", D),
    ("{{ print 1 | true }}", None),
    ("{{ print 1 | nil }}", None),
    ('{{ print 1 | "s" }}', None),
    ("{{ print 1 | . }}", None),
    ("{{ print , }}", None),
    ("{{ 1 = 2 }}", None),
    ("{{ $x := 1 := 2 }}", None),
    ("{{ $x.y := 1 }}", None),
    ("{{ .s.  }}", D),
    ("{{ if 1 }}{{ end }}{{ end }}", None),
    ("text\n{{ if 1 }}\nmore\n", None),
    ("{{ with }}{{ end }}", None),
    ("{{ range }}{{ end }}", None),
    ("{{ range .l }}", D),
    ("{{ 1 2 }}", None),
    ('{{ "a" "b" }}', None),
    ("{{ true 1 }}", None),
    ("{{ nil 1 }}", None),
    ("{{ .s.x.y.z }}", D),
    ("multi\nline\n{{ $undefined }}", None),
    ("{{ (print 1 }}", None),
    ("{{ print (1 2) }}", None),
    ('{{ "\\z" }}', None),
    ("{{ 'x' }}{{ '' }}", None),
    ("{{ 1 2 3 }}", None),
    ("a{{\n.s\n}}b", D),
    ("{{ if 1 }}\n\n{{ unknownfn }}{{ end }}", None),
    ("{{ else if 1 }}", None),
    ("{{ if 1 }}{{ else with 1 }}{{ end }}", None),
    ("{{ with 1 }}{{ else if 1 }}{{ end }}", None),
    ('{{ template "a" | print }}', None),
    ("{{ print $ $x }}", None),
    ("{{ 1.x }}", None),
    ("{{ $x := 1 }}{{ $x.y.z }}", None),
]

EXEC_ERRORS = [
    ("line one\n  two {{ .i.x }}", D),
    ("{{ if .missing.x }}y{{ else }}n{{ end }}", D),
    ("{{ if .n.x }}y{{ end }}", D),
    ("{{ with .l }}{{ .x }}{{ end }}", D),
    ("{{ with .s }}{{ .x }}{{ end }}", D),
    ("{{ print (index .l 9) }}", D),
    ("héllo {{ .i.x }}", D),
    ("{{ .i.x }}", D, "my-name.yml"),
    ('{{ define "sub" }}\n  {{ .x.y }}{{ end }}{{ template "sub" .i }}', D, "outer"),
    ("{{ $x := 5 }}{{ $x.a }}", None),
    ('{{ printf "%d" (len .i) }}', D),
    ("{{ .s | len | index .l }}", D),
    ("{{ .l | index 1 }}", D),
    ("{{ 3 | printf }}", None),
    ('{{ "%d" | printf }}', None),
    ('{{ 3 | printf "%d %d" 1 }}', None),
    ('{{ len .s | printf "%d-%v" }}', D),
    ("{{ range .m }}{{ .x }}{{ end }}", D),
    ("{{ range .l }}{{ if . }}{{ .y }}{{ end }}{{ end }}", D),
    ("{{ not .s .s }}", D),
    ("{{ index 1 }}", None),
    ("{{ (.s).y }}", D),
]

EDGES = [
    ("x {{-3}} y {{- 3}}", None),
    ("{{- 3 -}}", None),
    ("a \t\r\n{{- 1 -}} \t\r\n b", None),
    ("{{-/* c */}}", None),
    ("{{ /* c */ }}", None),
    ("{{/* multi\nline */}}x{{ .s.q }}", D),
    ("{{- /* c */}}  x  {{/* c */ -}}", None),
    ("{{ .h\u00e9llo }} {{ .a1 }} {{ ._u }}", {"h\u00e9llo": "uni", "a1": "digit", "_u": "under"}),
    ("{{ .l.0 }}", D),
    ("{{.s|len}} {{ .s |len }} {{.s| len}}", D),
    ("{{ .m.c }} {{ .m }}", D),
    ("{{ . }}", [1.5, 1e6, 1e-7, 100.0, None, "s", {"k": [1]}]),
    ("{{ . }}", 1000000000000000),
    ("{{ . }}", 3.0),
    ("{{ . }}", {"z": 1, "a": {"y": 2, "b": None}}),
    ('{{ len (slice .s 1) }} {{ index .m "c" -1 }}', D),
    ('{{ eq .i 41 42 }} {{ eq .s "a" "b" "hello" }} {{ or }}', D),
    ('{{ not nil }} {{ not true }} {{ not "" }}', None),
    ("{{ with $x := 0 }}a{{ else }}{{ $x }}{{ end }}", None),
    ("{{ range $i, $e := .el }}x{{ else }}{{ $i }}|{{ $e }}{{ end }}", D),
    ("{{ $i := 0 }}{{ range $i = 3 }}{{ end }}{{ $i }}", None),
    ('{{ block "b" . }}default{{ end }}{{ define "b" }}override{{ end }}', None),
    ('{{ define "b" }}override{{ end }}{{ block "b" . }}default{{ end }}', None),
    ("{{ range .l }}{{ continue }}x{{ end }}done", D),
    ('{{ range index "\\x03" 0 }}{{ . }}{{ end }}', None),
    ('{{ printf "%d %v %T" (index .s 0) (index .s 0) (index .s 0) }}', D),
    ("abc {{", None),
    ("}} alone {{ 1 }} }}", None),
    ("{{{{.s}}}}", D),
    ('{{ define "a" }}x{{ end }}', None),
    ("{{ if 1 }}\n{{ .s\n | bad }}{{ end }}", D),
    ('{{ if 1 }}\n{{ "abc\n }}{{ end }}', None),
    ('{{ "abcdefghijklmnop" "q" }}', None),
    ("{{ $x := 1 }}{{ $x := 2 }}{{ $x }}", None),
    ("{{ with .m }}{{ range . }}{{ . }},{{ end }}{{ end }}", D),
    ("{{ ((((1)))) }} {{ (1) }} {{ print (.s) (.i) }}", D),
    (
        "{{ 0.1 }} {{ 1e-7 }} {{ 123456789012345678 }} {{ 1e15 }} {{ -.5 }} {{ +.5e1 }} {{ 0x1.8p1 }}",
        None,
    ),
    ("{{ 1e }}", None),
    ("{{ 0b102 }}", None),
    ("{{ 0x1g }}", None),
    ("{{ '\\'' }}{{ '\"' }}{{ '\\\\' }}", None),
    ('{{ "\\u263a\\U0001F600" }}', None),
    ('{{ "\\\'" }}', None),
    ("{{ `a\r\nb` }}", None),
    ('{{ "a" | printf "%s %s" "b" }} {{ .s | printf "%s" | len }}', D),
    ("{{ .s | printf }}", D),
    ("x\n{{ if .t }}\n  {{- range .ints }}\n  - {{ . }}\n  {{- end }}\n{{ end }}", D),
    ("{{ range $k, $v := . }}{{ $k }}{{ end }}", {"\u00e9": 1, "z": 2, "A": 3, "\u00e0": 4}),
    ('{{ .i | printf "%05.1f" }}', D),
    ('{{ print 1 2 | printf "%q" }}', None),
    ("{{ index . 1 }}", ["a", "b"]),
    (
        "{{ range . }}{{ .name }}:{{ .image }};{{ end }}",
        [{"name": "a", "image": "alpine"}, {"name": "b"}],
    ),
    ("{{ .a | .b }}", {"a": 1, "b": 2}),
    ("{{ $x := .l }}{{ range $x }}{{ . }}{{ end }}", D),
    ("{{ range $i, $v := .strs }}{{ if $i }},{{ end }}{{ $v }}{{ end }}", D),
    ("{{ with .nested }}{{ with .x }}{{ with .y }}{{ .z }}{{ $.s }}{{ end }}{{ end }}{{ end }}", D),
    ('{{ printf "%s=%v" "k" .missing.deeper }}', D),
    ('{{ if and (eq .s "hello") (gt .i 40) (lt .f 2.0) }}ok{{ end }}', D),
    ('{{ if or (eq .s "x") (ne .i 42) }}a{{ else }}b{{ end }}', D),
    ("{{ len .missing.x }}", D),
    ('{{ index .nested "x" "y" "z" }} {{ index .nested "x" "q" }}', D),
    ("{{ slice .strs 0 1 }} {{ slice .strs 1 1 }} {{ slice .el }}", D),
    ("{{ print .el .em }} {{ println .el }}", D),
    ('{{ html "\\x00" }} {{ js "\\x00\\x1f\\u007f\\u00a0" }} {{ urlquery "\\x00 +" }}', None),
    ("{{ js .l }} {{ urlquery .m }} {{ html .l }}", D),
    ('{{ printf "%v|%s|%d" .e .e .z }}', D),
    ('{{ printf "%6.2f|%-6.2f|%06.2f" -1.0 -1.0 -1.0 }}', None),
    ('{{ printf "%+.3e|%10.4g|%-10.1e|" 123456.789 0.000012345 9.99 }}', None),
    ('{{ printf "%.0f|%.0e|%.0g|%#.0f" 2.5 2.5 2.5 2.5 }}', None),
    ('{{ printf "%10.3s|%-10q|%x|%.1x" "abcdef" "q" "" "abc" }}', None),
    ('{{ printf "%d|%d|%x" 9223372036854775807 -9223372036854775808 -9223372036854775808 }}', None),
    ('{{ printf "%c|%c|%q|%q" 0 1114112 -1 1114111 }}', None),
    ('{{ printf "%v" (slice .l 1 2) }} {{ printf "%#v" (slice .l 1 2) }}', D),
    ('{{ printf "%3v|%-3v|%03d" .ints .strs .ints }}', D),
    ('{{ printf "%.2f" .ints }}', D),
    ('{{ printf "%t" .l }}', D),
    (
        '{{ printf "%#08x|%08s|%-08s|%06v|%06t|%06q|%06c|%08U|%+06d" 255 "ab" "ab" nil true "q" 65 65 3 }}',
        None,
    ),
    ('{{ printf "%b %b %b %+q %+q" 1.0 0.0 5e-324 -7 "\u00e9" }}', None),
    ('{{ printf "%08.3e|%6v|%-6d|" .l .l .ints }}', D),
    ('{{ printf "%#x|%3x|%# x|%#X|% X" "" "" "ab" "ab" "ab" }}', None),
    ('{{ printf "%[2]d %[1]d|%[1]d %d|%[3]d|%[0]d|%[x]d|%[1]" 1 2 }}', None),
    ('{{ printf "%[2]*[1]d|%[1]*d|%.[2]d|%[1]5d|%-*d|%.*d|%*d" 4 6 3 -3 5 -1 7 2e9 1 }}', None),
    ('{{ printf "%d %d" 1 2 3 }} {{ printf "%[1]d" 1 2 }} {{ printf "%.f|%.|%5.%" 1.5 2 }}', None),
    ('{{ printf "%*d|%.*d" "a" 1 "b" 2 }} {{ printf "%[2" 1 }} {{ printf "%[" }}', None),
    (
        '{{ printf "%[3]*.[2]*[1]f" 12.0 2 6 }} {{ printf "%[1]*.[2]*[3]f|%[1]d %d" 6 2 12.0 }}',
        None,
    ),
    (
        '{{ printf "%#x|%#x|%#X|%#g|%#g|%#g|%#.3g|%#e|%#.0e|%#f|%#v" 3.5 0.0 255.5 0.0 123456789.0 1e-7 100.0 1.0 5.0 2.0 1.0 }}',
        None,
    ),
    ('{{ printf "%#G|%#10.2g|%#-10g|%#08g|%+#g" 1e21 0.5 7.0 7.0 0.25 }}', None),
    ("{{ slice .s .i }}", D),
    ("{{ slice .s 0 (index .ints 1) }}", D),
    ("{{ slice .l nil }}", D),
    ("{{ eq .l .m }} {{ eq .l .l }}", D),
    ("{{ eq .m .em }}", D),
    ("{{ len .n }} {{ index .l .z }} {{ not .n }}", D),
]

VARS: dict[str, Any] = {
    "name": "build", "image": "golang:1.22", "pull": "always", "count": 2, "flag": True,
    "ratio": 0.5, "environment": {"GOOS": "linux", "CGO_ENABLED": "0"}, "tags": ["a", "b"],
    "steps": [{"name": "test", "commands": ["go test ./..."]}, {"name": "vet", "commands": ["go vet"]}],
}  # fmt: skip

# Shaped like the Go templates of Vela's documentation: YAML produced with trim markers.
VELA = [
    (
        """metadata:
  template: true

steps:
  - name: golang_{{ .name }}
    commands:
      - go build
    image: {{ .image }}
    pull: {{ .pull }}
    {{- if .environment }}
    environment:
    {{- range $key, $value := .environment }}
      {{ $key }}: {{ $value }}
    {{- end }}
    {{- end }}
""",
        VARS,
    ),
    (
        """steps:
{{- range $i, $s := .steps }}
  - name: {{ $s.name }}-{{ $i }}
    image: {{ $.image }}
    commands:
    {{- range .commands }}
      - {{ . }}
    {{- end }}
{{- end }}
""",
        VARS,
    ),
    (
        """{{ $img := .image }}{{ if eq .pull "always" "on_start" }}pull: {{ .pull }}{{ end }}
replicas: {{ .count }} ratio: {{ .ratio }} flag: {{ .flag }} missing: {{ .nope }}
{{- with .tags }}
tags: {{ range $i, $t := . }}{{ if $i }},{{ end }}{{ $t }}{{ end }}
{{- end }}
image: {{ $img }}
""",
        VARS,
    ),
    (
        """steps:
  - name: {{ .name }}
    image: {{ .image }}
    {{ if .missing.thing }}never{{ end }}
    parameters:
      count: {{ printf "%d" .count }}
      quoted: {{ printf "%q" .image }}
      {{ .environment.GOOS.x }}
""",
        VARS,
        "vela.yml",
    ),
    (
        """{{ define "step" }}
  - name: {{ .name }}
    image: {{ .image | printf "%s" }}
{{- end -}}
steps:
{{- range .steps }}{{ template "step" . }}{{ end }}
""",
        VARS,
    ),
]
