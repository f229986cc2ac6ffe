package api_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wasmio/wasmio/host/api"
	"github.com/wasmio/wasmio/host/config"
)

// TestOpenAPI fetches the served OpenAPI document and checks it against
// the routes: every route is documented, every documented operation is
// served, each path's {parameters} are declared, every reference resolves.
func TestOpenAPI(t *testing.T) {
	r := startHost(t, config.Admin{}, nil)
	status, b := call(t, "GET", r.URL+api.Prefix+"/openapi.json", "", nil)
	if status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	type param struct{ Name, In string }
	type operation struct {
		Parameters []param
		Responses  map[string]json.RawMessage
	}
	var doc struct {
		OpenAPI    string
		Paths      map[string]map[string]json.RawMessage
		Components map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var documented, served []string
	for path, item := range doc.Paths {
		var shared []param
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				t.Fatal(err)
			}
		}
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s %s documents no response", method, path)
			}
			var declared []string
			for _, p := range append(shared, op.Parameters...) {
				if p.In == "path" {
					declared = append(declared, p.Name)
				}
			}
			var inPath []string
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			sort.Strings(declared)
			sort.Strings(inPath)
			if !slices.Equal(declared, inPath) {
				t.Errorf("%s %s declares path parameters %v, its path has %v", method, path, declared, inPath)
			}
		}
	}
	for _, rt := range api.Routes() {
		served = append(served, rt[0]+" "+rt[1])
	}
	sort.Strings(documented)
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Errorf("documented operations\n  %v\nserved routes\n  %v", documented, served)
	}
	for _, ref := range regexp.MustCompile(`"\$ref": *"#/components/(\w+)/(\w+)"`).FindAllStringSubmatch(string(b), -1) {
		if _, ok := doc.Components[ref[1]][ref[2]]; !ok {
			t.Errorf("unresolved $ref %s", ref[0])
		}
	}
}
