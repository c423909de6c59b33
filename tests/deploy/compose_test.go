package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	sigsyaml "sigs.k8s.io/yaml"
)

// loadCompose validates docker-compose.yaml against the compose specification with compose-go
// (the loader Docker Compose v2 uses: JSON schema, interpolation from .env, consistency checks).
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yaml")},
		cli.WithWorkingDirectory(root), cli.WithName("hifreq"), cli.WithEnvFiles(), cli.WithDotEnv)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yaml is not a valid compose file: %v", err)
	}
	return project
}

func TestComposeValidatesAgainstComposeSpec(t *testing.T) {
	p := loadCompose(t)
	for _, want := range []string{"grafana", "victoriametrics", "agent-cluster-a", "agent-cluster-b"} {
		if _, ok := p.Services[want]; !ok {
			t.Errorf("compose has no service %s (has %v)", want, slices.Sorted(mapsKeys(p.Services)))
		}
	}
}

// Debian's docker-compose (v1) must accept the file too.
func TestComposeV1Config(t *testing.T) {
	dc := tool(t, "docker-compose", "apt-get install docker-compose")
	out, err := run(repoRoot(t), dc, "-f", "docker-compose.yaml", "config", "-q")
	if err != nil {
		t.Fatalf("docker-compose config rejects docker-compose.yaml: %v\n%s", err, out)
	}
}

var (
	pinnedTag = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-.][A-Za-z0-9.]+)?$`)
	digest    = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
)

// pinProblem says why an image reference ("repo/name:tag", a registry port allowed) is not pinned,
// or returns "" when it is: an exact version tag or a sha256 digest. Floating tags ("1",
// "latest", "13.2") and a missing tag are rejected.
func pinProblem(image string) string {
	if strings.Contains(image, "$") {
		return fmt.Sprintf("image %q has an unresolved variable", image)
	}
	if digest.MatchString(image) {
		return ""
	}
	name, tag := image, ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		name, tag = image[:i], image[i+1:]
	}
	if !pinnedTag.MatchString(tag) {
		return fmt.Sprintf("image %s is not pinned to an exact version (tag %q); use an x.y.z tag or an @sha256: digest", name, tag)
	}
	return ""
}

func checkPinned(t *testing.T, where, image string) {
	t.Helper()
	if p := pinProblem(image); p != "" {
		t.Errorf("%s: %s", where, p)
	}
}

// syntaxDirective matches a parser directive; Docker reads them only at the very top of a
// Dockerfile, before any blank line, other comment or instruction.
var syntaxDirective = regexp.MustCompile(`^#\s*([A-Za-z]+)\s*=\s*(\S.*?)\s*$`)

// dockerfileImages returns the images a build of the Dockerfile pulls: the base images of the FROM
// lines with ARGs substituted (build args override the ARG defaults), skipping references to
// earlier stages, and the frontend image of a `# syntax=` parser directive ("" without one), which
// BuildKit pulls before it reads the rest of the file.
func dockerfileImages(t *testing.T, path string, buildArgs map[string]string) (images []string, argDefaults map[string]string, frontend string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		m := syntaxDirective.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || !slices.Contains([]string{"syntax", "escape", "check"}, strings.ToLower(m[1])) {
			break // an unknown directive is a comment, and a comment ends the directives
		}
		if strings.EqualFold(m[1], "syntax") {
			frontend = m[2]
		}
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	argDefaults = map[string]string{}
	stages := map[string]bool{}
	argRe := regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "ARG":
			if k, v, ok := strings.Cut(fields[1], "="); ok {
				argDefaults[k] = v
			}
		case "FROM":
			rest := fields[1:]
			for len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
				rest = rest[1:]
			}
			image := argRe.ReplaceAllStringFunc(rest[0], func(m string) string {
				k := argRe.FindStringSubmatch(m)[1]
				if v, ok := buildArgs[k]; ok {
					return v
				}
				return argDefaults[k]
			})
			if len(rest) >= 3 && strings.EqualFold(rest[1], "AS") {
				stages[rest[2]] = true
			}
			if !stages[image] || len(rest) >= 3 && rest[2] == image {
				images = append(images, image)
			}
		}
	}
	return images, argDefaults, frontend
}

func TestEveryImageIsPinned(t *testing.T) {
	p := loadCompose(t)
	env := readDotEnv(t)
	for name, s := range p.Services {
		if s.Build == nil {
			checkPinned(t, "service "+name, s.Image)
			continue
		}
		args := map[string]string{}
		for k, v := range s.Build.Args {
			if v != nil {
				args[k] = *v
			}
		}
		dockerfile := filepath.Join(s.Build.Context, s.Build.Dockerfile)
		images, defaults, frontend := dockerfileImages(t, dockerfile, args)
		if len(images) == 0 {
			t.Errorf("%s: no FROM line found", dockerfile)
		}
		where := fmt.Sprintf("service %s (%s)", name, filepath.Base(filepath.Dir(dockerfile))+"/Dockerfile")
		for _, img := range images {
			checkPinned(t, where, img)
		}
		if frontend != "" {
			if p := pinProblem(frontend); p != "" {
				t.Errorf("%s: `# syntax=` line: %s, or delete the line (BuildKit then uses its built-in frontend instead of pulling one)", where, p)
			}
		}
		// A plain `docker build` of the Dockerfile must get the same versions as compose.
		for k, v := range defaults {
			if ev, ok := env[k]; ok && ev != v {
				t.Errorf("%s: ARG %s=%s but .env says %s", dockerfile, k, v, ev)
			}
		}
	}
	for _, k := range []string{"GRAFANA_VERSION", "VM_VERSION", "NODE_VERSION", "GO_VERSION", "GF_ADMIN_PASSWORD"} {
		if env[k] == "" {
			t.Errorf(".env does not set %s", k)
		}
	}
	if env["GRAFANA_VERSION"] != "13.2.2" {
		t.Errorf("Grafana %s in .env; the plugin builds against 13.2.2", env["GRAFANA_VERSION"])
	}
}

// The pin check itself: exact versions and digests pass, floating tags fail, and a `# syntax=`
// directive counts only at the top of the file (anywhere else it is a plain comment).
func TestPinCheckAndSyntaxDirective(t *testing.T) {
	sha := "@sha256:" + strings.Repeat("ab", 32)
	for image, pinned := range map[string]bool{
		"grafana/grafana:13.2.2":                    true,
		"victoriametrics/victoria-metrics:v1.129.1": true,
		"node:24.11.1-alpine":                       true,
		"registry:5000/team/img:1.2.3":              true,
		"docker/dockerfile:1.7.0":                   true,
		"docker/dockerfile:1" + sha:                 true,
		"docker/dockerfile:1":                       false,
		"docker/dockerfile:1.7":                     false,
		"docker/dockerfile":                         false,
		"node:latest":                               false,
		"registry:5000/team/img":                    false,
		"node:${NODE_VERSION}-alpine":               false,
	} {
		if got := pinProblem(image) == ""; got != pinned {
			t.Errorf("pinProblem(%q) = %q; want pinned=%v", image, pinProblem(image), pinned)
		}
	}

	dir := t.TempDir()
	for _, c := range []struct{ file, frontend string }{
		{"# syntax=docker/dockerfile:1\nFROM alpine:3.22.2\n", "docker/dockerfile:1"},
		{"#Syntax = docker/dockerfile:1.7.0 \n# check=error=true\nFROM alpine:3.22.2\n", "docker/dockerfile:1.7.0"},
		{"# check=error=true\n# syntax=docker/dockerfile:1\nFROM alpine:3.22.2\n", "docker/dockerfile:1"},
		{"# a comment\n# syntax=docker/dockerfile:1\nFROM alpine:3.22.2\n", ""},
		{"# unknown=directive\n# syntax=docker/dockerfile:1\nFROM alpine:3.22.2\n", ""},
		{"\n# syntax=docker/dockerfile:1\nFROM alpine:3.22.2\n", ""},
		{"FROM alpine:3.22.2\n# syntax=docker/dockerfile:1\n", ""},
	} {
		path := filepath.Join(dir, "Dockerfile")
		if err := os.WriteFile(path, []byte(c.file), 0o644); err != nil {
			t.Fatal(err)
		}
		images, _, frontend := dockerfileImages(t, path, nil)
		if frontend != c.frontend || !slices.Equal(images, []string{"alpine:3.22.2"}) {
			t.Errorf("dockerfileImages(%q) = %v, frontend %q; want [alpine:3.22.2], frontend %q", c.file, images, frontend, c.frontend)
		}
	}
}

func readDotEnv(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".env"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = v
		}
	}
	return env
}

func TestComposePortsHealthAndOrder(t *testing.T) {
	p := loadCompose(t)
	for name, s := range p.Services {
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("service %s publishes port %d on %q; publish on 127.0.0.1 only", name, port.Target, port.HostIP)
			}
		}
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
			t.Errorf("service %s has no healthcheck", name)
		}
		if name != "victoriametrics" {
			dep, ok := s.DependsOn["victoriametrics"]
			if !ok || dep.Condition != types.ServiceConditionHealthy {
				t.Errorf("service %s must depend on victoriametrics with condition service_healthy, got %+v", name, s.DependsOn)
			}
		}
	}
}

func TestComposeVictoriaMetricsFreshnessFlags(t *testing.T) {
	vm := loadCompose(t).Services["victoriametrics"]
	for _, flag := range []string{"-search.latencyOffset=1s", "-search.maxStepForPointsAdjustment=0"} {
		if !slices.Contains(vm.Command, flag) {
			t.Errorf("victoriametrics command lacks %s (DESIGN.md §4): %v", flag, vm.Command)
		}
	}
	var storage string
	for _, a := range vm.Command {
		if v, ok := strings.CutPrefix(a, "-storageDataPath="); ok {
			storage = v
		}
	}
	var persisted bool
	for _, v := range vm.Volumes {
		persisted = persisted || (v.Type == types.VolumeTypeVolume && v.Target == storage)
	}
	if storage == "" || !persisted {
		t.Errorf("VictoriaMetrics data (-storageDataPath=%q) must live on a named volume: %+v", storage, vm.Volumes)
	}
}

func TestComposeGrafana(t *testing.T) {
	g := loadCompose(t).Services["grafana"]
	env := func(k string) string {
		if v := g.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	allowed := strings.Split(env("GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"), ",")
	for _, id := range []string{"hifreq-netmon-app", "hifreq-netmon-datasource"} {
		if !slices.Contains(allowed, id) {
			t.Errorf("GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=%v lacks %s", allowed, id)
		}
	}
	if env("HIFREQ_VM_URL") != "http://victoriametrics:8428" {
		t.Errorf("HIFREQ_VM_URL=%q, want http://victoriametrics:8428", env("HIFREQ_VM_URL"))
	}
	if env("GF_SECURITY_ADMIN_PASSWORD") != readDotEnv(t)["GF_ADMIN_PASSWORD"] {
		t.Errorf("the admin password must come from .env GF_ADMIN_PASSWORD")
	}
	var provisioning bool
	for _, v := range g.Volumes {
		if v.Target == "/etc/grafana/provisioning" {
			provisioning = v.ReadOnly && v.Source == filepath.Join(repoRoot(t), "provisioning")
		}
	}
	if !provisioning {
		t.Errorf("provisioning/ must be mounted read-only at /etc/grafana/provisioning: %+v", g.Volumes)
	}
	if g.Build == nil {
		t.Fatal("grafana must be built with the plugin baked in (build:)")
	}
	data, err := os.ReadFile(filepath.Join(g.Build.Context, g.Build.Dockerfile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"npm run build:frontend", "go build", "hifreq-netmon-app"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s does not contain %q", g.Build.Dockerfile, want)
		}
	}
}

// The provisioned datasource (provisioning/datasources/, another engineer's file) must use the
// URL the compose file hands Grafana.
func TestProvisionedDatasourceUsesComposeURL(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot(t), "provisioning", "datasources", "*.y*ml"))
	var found bool
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Datasources []struct {
				UID, Type, URL string
			} `json:"datasources"`
		}
		if err := sigsyaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, ds := range doc.Datasources {
			if ds.UID == "hifreq-vm" {
				found = true
				if ds.Type != "hifreq-netmon-datasource" || !strings.Contains(ds.URL, "HIFREQ_VM_URL") {
					t.Errorf("%s: datasource hifreq-vm has type %q url %q; want hifreq-netmon-datasource with $HIFREQ_VM_URL", f, ds.Type, ds.URL)
				}
			}
		}
	}
	if !found {
		t.Errorf("no provisioned datasource with uid hifreq-vm in provisioning/datasources/ (the compose stack's Grafana would have no HiFreq datasource)")
	}
}

type composeAgent struct {
	service string
	args    map[string]string // flag name -> last value
	argv    []string
	pods    string // pods file on the host
}

// composeAgents returns the agent services with their flags and host pod files.
func composeAgents(t *testing.T) []composeAgent {
	t.Helper()
	p := loadCompose(t)
	var agents []composeAgent
	for _, name := range slices.Sorted(mapsKeys(p.Services)) {
		s := p.Services[name]
		if !strings.HasPrefix(name, "agent-") {
			continue
		}
		a := composeAgent{service: name, args: map[string]string{}, argv: s.Command}
		for _, arg := range s.Command {
			k, v, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
			a.args[k] = v
		}
		for _, v := range s.Volumes {
			if rel, ok := strings.CutPrefix(a.args["pods.file"], v.Target+"/"); ok && v.Type == types.VolumeTypeBind {
				a.pods = filepath.Join(v.Source, rel)
			}
		}
		agents = append(agents, a)
	}
	if len(agents) != 2 {
		t.Fatalf("want agents for two clusters, found %d", len(agents))
	}
	return agents
}

func TestComposeAgents(t *testing.T) {
	flags := agentFlagNames(t)
	p := loadCompose(t)
	clusters := map[string]bool{}
	for _, a := range composeAgents(t) {
		s := p.Services[a.service]
		for _, arg := range a.argv {
			if !flags[flagName(arg)] {
				t.Errorf("%s passes %s, which is not a flag of the agent", a.service, arg)
			}
		}
		clusters[a.args["cluster"]] = true
		want := map[string]string{"path.procfs": "/host/proc", "path.sysfs": "/host/sys", "pods.source": "file",
			"remote-write.url": "http://victoriametrics:8428/api/v1/write"}
		for k, v := range want {
			if a.args[k] != v {
				t.Errorf("%s: --%s=%q, want %q", a.service, k, a.args[k], v)
			}
		}
		mounts := map[string]types.ServiceVolumeConfig{}
		for _, v := range s.Volumes {
			mounts[v.Target] = v
		}
		for host, target := range map[string]string{"/proc": "/host/proc", "/sys": "/host/sys"} {
			m, ok := mounts[target]
			if !ok || m.Source != host || !m.ReadOnly {
				t.Errorf("%s must mount the host's %s read-only at %s: %+v", a.service, host, target, m)
			}
		}
		if a.args["node-name"] == "" {
			t.Errorf("%s: set --node-name explicitly (the pod file names that node)", a.service)
		}
		checkPodFile(t, a)
	}
	if !clusters["cluster-a"] || !clusters["cluster-b"] {
		t.Errorf("agents write clusters %v, want cluster-a and cluster-b", clusters)
	}
}

// checkPodFile: the compose pod file declares a labelled job on the agent's node.
func checkPodFile(t *testing.T, a composeAgent) {
	t.Helper()
	if a.pods == "" {
		t.Fatalf("%s: --pods.file=%s is not inside a bind mount", a.service, a.args["pods.file"])
	}
	data, err := os.ReadFile(a.pods)
	if err != nil {
		t.Fatalf("%s: %v", a.service, err)
	}
	var doc struct {
		Pods []struct {
			Namespace, Name, UID, NodeName string
			Labels                         map[string]string
			Devices                        []string
		} `json:"pods"`
	}
	if err := sigsyaml.UnmarshalStrict(data, &doc); err != nil {
		t.Fatalf("%s: %s is not of the pod file shape (DESIGN.md §3): %v", a.service, a.pods, err)
	}
	var labelled int
	for _, pod := range doc.Pods {
		if pod.Namespace == "" || pod.Name == "" || pod.UID == "" {
			t.Errorf("%s: pod %+v needs namespace, name and uid", a.pods, pod)
		}
		if pod.NodeName == a.args["node-name"] && pod.Labels["monitor"] == "high-frequency" && pod.Labels["job-name"] != "" && len(pod.Devices) > 0 {
			labelled++
		}
	}
	if labelled == 0 {
		t.Errorf("%s declares no pod on node %s labelled monitor=high-frequency with a job-name and devices", a.pods, a.args["node-name"])
	}
}

func mapsKeys[M ~map[K]V, K comparable, V any](m M) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
