package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Grafana reads every *.yaml / *.yml / *.json file of a provisioning folder and interpolates
// string values: `$$` is a literal `$`, `$__env{X}` and `$__file{path}` are expanded, then
// `$X` / `${X}` as os.ExpandEnv does (an unset variable becomes empty: there are no defaults).

var expanderRE = regexp.MustCompile(`\$__(env|file)\{([^}]*)\}`)

// Interpolate expands a provisioning string value the way Grafana does.
func Interpolate(value string) (string, error) {
	parts := strings.Split(value, "$$")
	for i, part := range parts {
		var ferr error
		part = expanderRE.ReplaceAllStringFunc(part, func(m string) string {
			sub := expanderRE.FindStringSubmatch(m)
			if sub[1] == "env" {
				return os.Getenv(sub[2])
			}
			data, err := os.ReadFile(sub[2])
			if err != nil {
				ferr = fmt.Errorf("interpolate %q: %w", value, err)
				return ""
			}
			return strings.TrimSpace(string(data))
		})
		if ferr != nil {
			return "", ferr
		}
		parts[i] = os.ExpandEnv(part)
	}
	return strings.Join(parts, "$"), nil
}

func interpolateTree(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return Interpolate(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			iv, err := interpolateTree(e)
			if err != nil {
				return nil, err
			}
			out[k] = iv
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			iv, err := interpolateTree(e)
			if err != nil {
				return nil, err
			}
			out[i] = iv
		}
		return out, nil
	default:
		return v, nil
	}
}

// readProvisioningFiles decodes every provisioning file of dir (sorted by name) after
// interpolation, as generic trees re-encoded to JSON and decoded into out's element type.
func readProvisioningFiles[T any](dir string) (map[string]T, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]T{}
	names := []string{}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var tree any
		if err := yaml.Unmarshal(data, &tree); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		tree, err = interpolateTree(tree)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		js, err := json.Marshal(tree)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var v T
		dec := json.NewDecoder(strings.NewReader(string(js)))
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[path] = v
	}
	return out, nil
}

// ProvisionedDatasource is one entry of provisioning/datasources.
type ProvisionedDatasource struct {
	Name           string            `json:"name"`
	Type           string            `json:"type"`
	UID            string            `json:"uid"`
	URL            string            `json:"url"`
	Access         string            `json:"access"`
	OrgID          int64             `json:"orgId"`
	IsDefault      bool              `json:"isDefault"`
	BasicAuth      bool              `json:"basicAuth"`
	BasicAuthUser  string            `json:"basicAuthUser"`
	User           string            `json:"user"`
	Database       string            `json:"database"`
	JSONData       map[string]any    `json:"jsonData"`
	SecureJSONData map[string]string `json:"secureJsonData"`
	Editable       bool              `json:"editable"`
	File           string            `json:"-"`
}

type datasourcesFile struct {
	APIVersion  int                     `json:"apiVersion"`
	Datasources []ProvisionedDatasource `json:"datasources"`
}

// LoadProvisionedDatasources reads dir like Grafana's datasource provisioning and applies its
// validation: a name on every datasource, unique uids, at most one default per organisation.
func LoadProvisionedDatasources(dir string) ([]ProvisionedDatasource, error) {
	files, err := readProvisioningFiles[datasourcesFile](dir)
	if err != nil {
		return nil, err
	}
	var all []ProvisionedDatasource
	uids := map[string]string{}
	defaults := map[int64]string{}
	for path, f := range files {
		for _, ds := range f.Datasources {
			ds.File = path
			if ds.OrgID == 0 {
				ds.OrgID = 1
			}
			if ds.Name == "" {
				return nil, fmt.Errorf("%s: a datasource has no name", path)
			}
			if ds.UID != "" {
				if other, dup := uids[ds.UID]; dup {
					return nil, fmt.Errorf("%s: datasource uid %q is also used in %s", path, ds.UID, other)
				}
				uids[ds.UID] = path
			}
			if ds.IsDefault {
				if other, dup := defaults[ds.OrgID]; dup {
					return nil, fmt.Errorf("%s: more than one default datasource in org %d (also %s): Grafana refuses this", path, ds.OrgID, other)
				}
				defaults[ds.OrgID] = path
			}
			all = append(all, ds)
		}
	}
	return all, nil
}

// ProvisionedApp is one entry of provisioning/plugins.
type ProvisionedApp struct {
	Type           string            `json:"type"`
	OrgID          int64             `json:"org_id"`
	OrgName        string            `json:"org_name"`
	Disabled       bool              `json:"disabled"`
	JSONData       map[string]any    `json:"jsonData"`
	SecureJSONData map[string]string `json:"secureJsonData"`
	File           string            `json:"-"`
}

type appsFile struct {
	APIVersion int              `json:"apiVersion"`
	Apps       []ProvisionedApp `json:"apps"`
}

// LoadProvisionedApps reads provisioning/plugins.
func LoadProvisionedApps(dir string) ([]ProvisionedApp, error) {
	files, err := readProvisioningFiles[appsFile](dir)
	if err != nil {
		return nil, err
	}
	var all []ProvisionedApp
	for path, f := range files {
		for _, a := range f.Apps {
			a.File = path
			if a.Type == "" {
				return nil, fmt.Errorf("%s: an app has no type (the plugin id)", path)
			}
			all = append(all, a)
		}
	}
	return all, nil
}
