// Command oracle_vela renders Go text/template cases with the function map Vela gives its
// templates: sprig's TxtFuncMap minus env and expandenv, then Vela's own "toYaml" and "vela"
// (copied below from go-vela/server compiler/template/native/convert.go), so that velarun's
// toyaml.py and vela_func_map can be checked against it (see ../README.md). Built in GOPATH
// mode; regenerate_vela.py chooses which yaml.v3 sources it is built with.
//
// It reads a JSON array of cases {"id", "template", "data", "environment", "name"} on stdin and
// writes the same array with "output" or "error" added to each. JSON numbers become int or
// float64, objects map[string]any and arrays []any, as in oracle_sprig.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

// --- from go-vela/server compiler/template/native/convert.go (raw.StringSliceMap is
// map[string]string) ---

func convertPlatformVars(slice map[string]string, name string) map[string]string {
	envs := make(map[string]string)
	for key, value := range slice {
		key = strings.ToLower(key)
		if strings.HasPrefix(key, "deployment_parameter_") {
			envs[key] = value
		}
		if after, ok := strings.CutPrefix(key, "vela_"); ok {
			envs[after] = value
		}
	}
	envs["template_name"] = name
	return envs
}

func toYAML(v any) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

type funcHandler struct {
	envs map[string]string
}

func (h funcHandler) returnPlatformVar(key string) string {
	key = strings.ToLower(key)
	for _, prefix := range []string{"deployment_parameter_", "vela_"} {
		trimmed := strings.TrimPrefix(key, prefix)
		if _, ok := h.envs[trimmed]; ok {
			return h.envs[trimmed]
		}
	}
	return ""
}

// --- end of Vela's code ---

type testCase struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Template    string            `json:"template"`
	Data        json.RawMessage   `json:"data,omitempty"`
	Environment map[string]string `json:"environment,omitempty"`
	Output      *string           `json:"output,omitempty"`
	Error       *string           `json:"error,omitempty"`
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
	velaFuncs := funcHandler{envs: convertPlatformVars(c.Environment, name)}
	sf := sprig.TxtFuncMap()
	delete(sf, "env")
	delete(sf, "expandenv")
	tmpl, err := template.New(name).Funcs(sf).Funcs(map[string]any{
		"vela":   velaFuncs.returnPlatformVar,
		"toYaml": toYAML,
	}).Parse(c.Template)
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
