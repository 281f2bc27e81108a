// Command oracle renders Go text/template cases with the real Go standard library, so that
// velarun's Python engine can be checked against it (see ../README.md).
//
// It reads a JSON array of cases {"name", "template", "data"} on stdin and writes the same
// array with "output" (the rendered text) or "error" (the error's message) added to each.
// JSON numbers become int (when they have no '.', 'e' or 'E') or float64, as a YAML decoder
// gives Vela's vars; objects become map[string]any and arrays []any.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

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
	tmpl, err := template.New(name).Parse(c.Template)
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
