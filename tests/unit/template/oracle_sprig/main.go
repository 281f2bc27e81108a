// Command oracle_sprig renders Go text/template cases with Masterminds/sprig's TxtFuncMap
// (minus env and expandenv, as Vela does), so that velarun's Python sprig functions can be
// checked against it (see ../README.md). Built in GOPATH mode from Debian's
// golang-github-masterminds-sprig-dev. With the argument "names" it prints the sorted names
// of the function map instead, one a line.
//
// It reads a JSON array of cases {"name", "template", "data"} on stdin and writes the same
// array with "output" (the rendered text) or "error" (the error's message) added to each.
// JSON numbers become int (when they have no '.', 'e' or 'E') or float64, as a YAML decoder
// gives Vela's vars; objects become map[string]any and arrays []any.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
)

func funcMap() template.FuncMap {
	m := sprig.TxtFuncMap()
	delete(m, "env")
	delete(m, "expandenv")
	return m
}

type testCase struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Template string          `json:"template"`
	Data     json.RawMessage `json:"data,omitempty"`
	Output   *string         `json:"output,omitempty"`
	Error    *string         `json:"error,omitempty"`
}

func typed(v any) any {
	switch v := v.(type) {
	case json.Number:
		s := v.String()
		if !strings.ContainsAny(s, ".eE") {
			if i, err := v.Int64(); err == nil {
				return int(i)
			}
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = typed(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = typed(e)
		}
		return v
	}
	return v
}

func decode(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return typed(v), nil
}

func run(c *testCase) {
	fail := func(err error) { msg := err.Error(); c.Error = &msg }
	data, err := decode(c.Data)
	if err != nil {
		fail(err)
		return
	}
	name := c.Name
	if name == "" {
		name = "t"
	}
	tmpl, err := template.New(name).Funcs(funcMap()).Parse(c.Template)
	if err != nil {
		fail(err)
		return
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		fail(err)
		return
	}
	s := out.String()
	c.Output = &s
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "names" {
		var names []string
		for k := range funcMap() {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Println(k)
		}
		return
	}
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		panic(err)
	}
	for i := range cases {
		run(&cases[i])
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(cases); err != nil {
		panic(err)
	}
}
