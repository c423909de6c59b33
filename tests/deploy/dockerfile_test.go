package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// excluded reports whether the build context's ignore rules (<Dockerfile>.dockerignore, as
// BuildKit reads them) leave a file out of the context.
func excludedBy(t *testing.T, dockerfile string) func(rel string) bool {
	t.Helper()
	f, err := os.Open(dockerfile + ".dockerignore")
	if err != nil {
		t.Fatalf("%s needs ignore rules for its repository-root context: %v", dockerfile, err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return func(rel string) bool {
		m, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
}

// Every COPY source of the compose-built Dockerfiles exists and reaches the build context.
func TestDockerfileInputsReachTheContext(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		if s.Build == nil {
			continue
		}
		dockerfile := filepath.Join(s.Build.Context, s.Build.Dockerfile)
		excluded := excludedBy(t, dockerfile)
		data, err := os.ReadFile(dockerfile)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.ReplaceAll(string(data), "\\\n", " "), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 3 || !strings.EqualFold(fields[0], "COPY") || strings.HasPrefix(fields[1], "--from") {
				continue
			}
			for _, src := range fields[1 : len(fields)-1] {
				srcs := []string{src}
				if src == "." {
					// The whole context: what the frontend build reads must be in it.
					srcs = []string{"package.json", "package-lock.json", "tsconfig.json", "src/plugin.json",
						"src/datasource/plugin.json", ".config/webpack/webpack.config.ts", ".cprc.json",
						"README.md", "LICENSE", "CHANGELOG.md"} // copied into dist/ by .config/bundler/copyFiles.ts
				}
				for _, rel := range srcs {
					rel = strings.TrimSuffix(rel, "/")
					st, err := os.Stat(filepath.Join(s.Build.Context, rel))
					if err != nil {
						t.Errorf("service %s: %s copies %s, which does not exist", name, s.Build.Dockerfile, rel)
					} else if st.IsDir() {
						if n := includedFiles(t, s.Build.Context, rel, excluded); n == 0 {
							t.Errorf("service %s: %s copies %s/, but %s.dockerignore leaves out every file in it", name, s.Build.Dockerfile, rel, s.Build.Dockerfile)
						}
					} else if excluded(rel) {
						t.Errorf("service %s: %s copies %s, but %s.dockerignore leaves it out", name, s.Build.Dockerfile, rel, s.Build.Dockerfile)
					}
				}
			}
		}
	}
}

// The Grafana image builds the datasource backend under the executable name its plugin.json
// declares, where Grafana looks for it (the nested datasource's folder).
func TestGrafanaImageBuildsTheDeclaredBackend(t *testing.T) {
	root := repoRoot(t)
	var ds, app struct {
		ID         string `json:"id"`
		Backend    bool   `json:"backend"`
		Executable string `json:"executable"`
	}
	for path, into := range map[string]any{"src/datasource/plugin.json": &ds, "src/plugin.json": &app} {
		data, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(root, "deploy", "grafana", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := string(data)
	if ds.ID != "hifreq-netmon-datasource" || !ds.Backend || ds.Executable == "" {
		t.Fatalf("src/datasource/plugin.json: id %q backend %v executable %q", ds.ID, ds.Backend, ds.Executable)
	}
	if !strings.Contains(dockerfile, "/out/"+ds.Executable+"_linux_${TARGETARCH}") {
		t.Errorf("deploy/grafana/Dockerfile does not build %s_linux_<arch>", ds.Executable)
	}
	if !strings.Contains(dockerfile, "/opt/hifreq/plugins/hifreq-netmon-app/datasource/") {
		t.Error("deploy/grafana/Dockerfile does not put the backend into the nested datasource's folder")
	}
	if app.Backend {
		t.Errorf("src/plugin.json declares an app backend %q, which deploy/grafana/Dockerfile does not build", app.Executable)
	}
	if _, err := os.Stat(filepath.Join(root, "pkg", "main.go")); err != nil {
		t.Errorf("the Dockerfile builds ./pkg, but: %v", err)
	}
}

// includedFiles counts the files under dir that the ignore rules keep in the context.
func includedFiles(t *testing.T, context, dir string, excluded func(string) bool) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(context, dir), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(context, path)
		if !d.IsDir() && !excluded(rel) {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
