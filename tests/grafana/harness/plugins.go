package harness

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
)

// PluginJSON is the part of plugin.json that Grafana's loader reads to find and start a plugin.
type PluginJSON struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	Backend    bool   `json:"backend"`
	Alerting   bool   `json:"alerting"`
	Executable string `json:"executable"`
	Info       struct {
		Version string `json:"version"`
	} `json:"info"`
	Includes []struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Path string `json:"path"`
	} `json:"includes"`
}

// Plugin is one plugin found on disk.
type Plugin struct {
	Dir  string
	JSON PluginJSON
	// Children are the plugins nested in Dir's subfolders (the app's datasource).
	Children []*Plugin
}

// DiscoverPlugins walks root like Grafana's plugin finder: every folder with a plugin.json is a
// plugin, and a plugin inside another plugin's folder is its child (nested plugin).
func DiscoverPlugins(root string) ([]*Plugin, error) {
	var found []*Plugin
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "plugin.json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var pj PluginJSON
		if err := json.Unmarshal(data, &pj); err != nil {
			return fmt.Errorf("%s is not valid JSON: %w", path, err)
		}
		found = append(found, &Plugin{Dir: filepath.Dir(path), JSON: pj})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(found, func(i, j int) bool { return len(found[i].Dir) < len(found[j].Dir) })
	var top []*Plugin
	for _, p := range found {
		var parent *Plugin
		for _, q := range found {
			if q != p && len(q.Dir) < len(p.Dir) && isUnder(p.Dir, q.Dir) {
				parent = q
			}
		}
		if parent == nil {
			top = append(top, p)
		} else {
			parent.Children = append(parent.Children, p)
		}
	}
	return top, nil
}

func isUnder(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !filepath.IsAbs(rel) && (len(rel) < 3 || rel[:3] != "../")
}

// ExecutablePath is where Grafana looks for a backend plugin's binary:
// <plugin dir>/<executable>_<GOOS>_<GOARCH>.
func (p *Plugin) ExecutablePath() string {
	name := fmt.Sprintf("%s_%s_%s", p.JSON.Executable, runtime.GOOS, runtime.GOARCH)
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(p.Dir, name)
}

// CheckLoadable returns why Grafana would refuse this plugin, or nil: the checks of Grafana's
// loader that do not need a signature (unsigned plugins are allowed by name in the tests).
func (p *Plugin) CheckLoadable() error {
	j := p.JSON
	if j.ID == "" || j.Name == "" || j.Type == "" {
		return fmt.Errorf("%s/plugin.json: id, name and type are required (id=%q name=%q type=%q)", p.Dir, j.ID, j.Name, j.Type)
	}
	switch j.Type {
	case "app", "datasource", "panel":
	default:
		return fmt.Errorf("%s/plugin.json: unknown plugin type %q", p.Dir, j.Type)
	}
	if j.Info.Version == "" || j.Info.Version == "%VERSION%" {
		return fmt.Errorf("%s/plugin.json: info.version is %q: the build did not fill it in", p.Dir, j.Info.Version)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "module.js")); err != nil {
		return fmt.Errorf("%s: no module.js (Grafana needs the frontend module of every plugin): %w", p.Dir, err)
	}
	if j.Backend {
		if j.Executable == "" {
			return fmt.Errorf("%s/plugin.json: backend is true but executable is empty", p.Dir)
		}
		st, err := os.Stat(p.ExecutablePath())
		if err != nil {
			return fmt.Errorf("%s: the backend binary Grafana would start is missing: %w", p.Dir, err)
		}
		if st.Mode()&0o111 == 0 {
			return fmt.Errorf("%s is not executable", p.ExecutablePath())
		}
	}
	for _, inc := range j.Includes {
		if inc.Type == "dashboard" {
			if _, err := os.Stat(filepath.Join(p.Dir, inc.Path)); err != nil {
				return fmt.Errorf("%s/plugin.json includes dashboard %q that is not in the build: %w", p.Dir, inc.Path, err)
			}
		}
	}
	return nil
}
