package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// kubeVersion is the Kubernetes version the chart is rendered for; the API types come from
// k8s.io/api of the same minor (see go.mod).
const kubeVersion = "1.37.0"

// manifest is one rendered object, decoded strictly into its API type.
type manifest struct {
	apiVersion, kind, name, namespace string
	obj                               any
	raw                               []byte
}

// rendered is the output of `helm template` for one set of values.
type rendered struct {
	valuesName string
	values     map[string]any // the merged values as the test understands them (subset)
	objs       []manifest
}

// The API types the chart may render; anything else is an error.
var knownKinds = map[string]func() any{
	"v1/ServiceAccount": func() any { return &corev1.ServiceAccount{} },
	"v1/ConfigMap":      func() any { return &corev1.ConfigMap{} },
	"v1/Service":        func() any { return &corev1.Service{} },
	"apps/v1/DaemonSet": func() any { return &appsv1.DaemonSet{} },
	"rbac.authorization.k8s.io/v1/ClusterRole":             func() any { return &rbacv1.ClusterRole{} },
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding":      func() any { return &rbacv1.ClusterRoleBinding{} },
	"monitoring.coreos.com/v1/ServiceMonitor":              func() any { return &monitoringv1.ServiceMonitor{} },
	"operator.victoriametrics.com/v1beta1/VMServiceScrape": func() any { return &vmServiceScrape{} },
}

// vmServiceScrape mirrors the fields of the VictoriaMetrics operator's VMServiceScrape that the
// chart uses (its Go module is not served by the module proxy); strict decoding rejects others.
type vmServiceScrape struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

func chartDir(t *testing.T) string { return filepath.Join(repoRoot(t), "deploy", "helm", "hifreq") }

// valueSets are the default values and each example under deploy/helm/hifreq/examples.
func valueSets(t *testing.T) map[string]string {
	t.Helper()
	sets := map[string]string{"default": ""}
	files, _ := filepath.Glob(filepath.Join(chartDir(t), "examples", "*.yaml"))
	if len(files) < 2 {
		t.Fatalf("expected at least 2 example values files in %s/examples, found %d", chartDir(t), len(files))
	}
	for _, f := range files {
		sets[strings.TrimSuffix(filepath.Base(f), ".yaml")] = f
	}
	return sets
}

func helm(t *testing.T) string {
	return tool(t, "helm", "go install helm.sh/helm/v4/cmd/helm@v4.3.1")
}

// render runs helm template for a values file ("" = defaults) plus extra --set flags.
func render(t *testing.T, valuesFile string, set ...string) (string, error) {
	t.Helper()
	args := []string{"template", "hifreq", chartDir(t), "--namespace", "hifreq", "--kube-version", kubeVersion}
	if valuesFile != "" {
		args = append(args, "-f", valuesFile)
	}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	return run(repoRoot(t), helm(t), args...)
}

// renderNotes returns the release notes (templates/NOTES.txt), which helm template does not
// render: helm install --dry-run=client renders them without a cluster (KUBECONFIG points nowhere
// so that a developer's cluster is never contacted).
func renderNotes(t *testing.T, set ...string) string {
	t.Helper()
	args := []string{"install", "hifreq", chartDir(t), "--namespace", "hifreq", "--dry-run=client"}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	cmd := exec.Command(helm(t), args...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(t.TempDir(), "no-kubeconfig"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm install --dry-run=client --set %v failed: %v\n%s", set, err, out)
	}
	_, notes, ok := strings.Cut(string(out), "\nNOTES:\n")
	if !ok {
		t.Fatalf("helm install --dry-run=client --set %v printed no NOTES:\n%s", set, out)
	}
	return notes
}

// decodeAll splits a multi-document stream and decodes each document strictly (unknown or
// duplicate fields are errors) into the API type of its apiVersion/kind.
func decodeAll(t *testing.T, stream string) []manifest {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var out []manifest
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading rendered YAML: %v", err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := sigsyaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("rendered document is not YAML: %v\n%s", err, doc)
		}
		newObj, ok := knownKinds[head.APIVersion+"/"+head.Kind]
		if !ok {
			t.Errorf("rendered an unexpected kind %s/%s (%s)", head.APIVersion, head.Kind, head.Metadata.Name)
			continue
		}
		obj := newObj()
		if err := sigsyaml.UnmarshalStrict(doc, obj); err != nil {
			t.Errorf("%s %s does not match the Kubernetes %s schema: %v", head.Kind, head.Metadata.Name, kubeVersion, err)
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(head.Metadata.Name) {
			t.Errorf("%s name %q: %s", head.Kind, head.Metadata.Name, msg)
		}
		out = append(out, manifest{head.APIVersion, head.Kind, head.Metadata.Name, head.Metadata.Namespace, obj, doc})
	}
	return out
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.Bytes()
}

// renderSet renders a values file ("" = defaults) plus extra --set flags; value() sees only the file.
func renderSet(t *testing.T, name, file string, set ...string) rendered {
	t.Helper()
	out, err := render(t, file, set...)
	if err != nil {
		t.Fatalf("helm template with %s values failed: %v\n%s", name, err, out)
	}
	values := map[string]any{}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := sigsyaml.Unmarshal(data, &values); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	return rendered{name, values, decodeAll(t, out)}
}

// value reads a dotted key of the example's values (not of the chart defaults).
func (r rendered) value(path string) any {
	var cur any = r.values
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func only[T any](t *testing.T, r rendered, kind string) T {
	t.Helper()
	var found []T
	for _, m := range r.objs {
		if m.kind == kind {
			found = append(found, m.obj.(T))
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: expected exactly one %s, rendered %d", r.valuesName, kind, len(found))
	}
	return found[0]
}

func kinds(r rendered) []string {
	var ks []string
	for _, m := range r.objs {
		ks = append(ks, m.kind)
	}
	sort.Strings(ks)
	return ks
}

// agentFlagNames reads the flag names the agent accepts from its declarative flag tables.
func agentFlagNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	re := regexp.MustCompile(`\{\s*name:\s*'([a-z0-9.-]+)'`)
	for _, f := range []string{"agent/src/config/flags.ts", "agent/src/remotewrite/flags.ts"} {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), f))
		if err != nil {
			t.Fatalf("reading the agent's flag table: %v", err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			names[m[1]] = true
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %d agent flags in agent/src/**/flags.ts; has the flag table moved?", len(names))
	}
	return names
}

func flagName(arg string) string {
	name := strings.TrimPrefix(arg, "--")
	if i := strings.IndexByte(name, '='); i >= 0 {
		name = name[:i]
	}
	return name
}

func fmtList[T any](xs []T) string { return fmt.Sprint(xs) }
