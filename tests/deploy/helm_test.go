package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

func TestHelmLint(t *testing.T) {
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			args := []string{"lint", "--strict", chartDir(t), "--kube-version", kubeVersion}
			if file != "" {
				args = append(args, "-f", file)
			}
			out, err := run(repoRoot(t), helm(t), args...)
			if err != nil || !strings.Contains(out, "0 chart(s) failed") {
				t.Fatalf("helm lint with %s values failed: %v\n%s", name, err, out)
			}
		})
	}
}

// Every value set renders the same core objects, each valid against the Kubernetes API types.
func TestTemplateRendersValidManifests(t *testing.T) {
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			for _, k := range []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Service", "DaemonSet"} {
				if !slices.Contains(kinds(r), k) {
					t.Errorf("%s values: no %s rendered (got %v)", name, k, kinds(r))
				}
			}
			for _, m := range r.objs {
				namespaced := m.kind != "ClusterRole" && m.kind != "ClusterRoleBinding"
				if namespaced && m.namespace != "hifreq" {
					t.Errorf("%s %s: namespace %q, want the release namespace", m.kind, m.name, m.namespace)
				}
			}
		})
	}
}

func TestRBACIsMinimal(t *testing.T) {
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			role := only[*rbacv1.ClusterRole](t, r, "ClusterRole")
			kubelet := r.value("pods.source") == "kubelet"
			want := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}}
			if kubelet {
				want = append(want, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"nodes/proxy"}, Verbs: []string{"get"}})
			}
			if len(role.Rules) != len(want) {
				t.Fatalf("ClusterRole has %d rules, want exactly %d: %+v", len(role.Rules), len(want), role.Rules)
			}
			for i, rule := range role.Rules {
				if !slices.Equal(rule.APIGroups, want[i].APIGroups) || !slices.Equal(rule.Resources, want[i].Resources) ||
					!slices.Equal(rule.Verbs, want[i].Verbs) || len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 {
					t.Errorf("rule %d = %+v, want %+v", i, rule, want[i])
				}
			}
			binding := only[*rbacv1.ClusterRoleBinding](t, r, "ClusterRoleBinding")
			sa := only[*corev1.ServiceAccount](t, r, "ServiceAccount")
			if binding.RoleRef.Kind != "ClusterRole" || binding.RoleRef.Name != role.Name {
				t.Errorf("binding refers to %s %s, want ClusterRole %s", binding.RoleRef.Kind, binding.RoleRef.Name, role.Name)
			}
			if len(binding.Subjects) != 1 || binding.Subjects[0].Kind != "ServiceAccount" ||
				binding.Subjects[0].Name != sa.Name || binding.Subjects[0].Namespace != "hifreq" {
				t.Errorf("binding subjects %+v, want only ServiceAccount hifreq/%s", binding.Subjects, sa.Name)
			}
			for _, m := range r.objs {
				if m.kind == "Secret" || m.kind == "Role" || m.kind == "RoleBinding" {
					t.Errorf("the chart must not render a %s (%s)", m.kind, m.name)
				}
			}
		})
	}
}

func TestDaemonSetMountsAreReadOnly(t *testing.T) {
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			ds := only[*appsv1.DaemonSet](t, r, "DaemonSet")
			pod := ds.Spec.Template.Spec
			volumes := map[string]corev1.Volume{}
			for _, v := range pod.Volumes {
				volumes[v.Name] = v
			}
			hostPaths := map[string]bool{}
			for _, c := range append(pod.InitContainers, pod.Containers...) {
				for _, m := range c.VolumeMounts {
					v, ok := volumes[m.Name]
					if !ok {
						t.Errorf("container %s mounts volume %q that the pod does not define", c.Name, m.Name)
						continue
					}
					if m.Name == "queue" {
						if m.MountPath != "/var/lib/hifreq-agent" {
							t.Errorf("queue mounted at %s, want /var/lib/hifreq-agent", m.MountPath)
						}
						continue // the remote-write queue is the one writable mount
					}
					if !m.ReadOnly {
						t.Errorf("container %s mounts %s at %s read-write; only the queue may be writable", c.Name, m.Name, m.MountPath)
					}
					if v.HostPath != nil {
						hostPaths[v.HostPath.Path] = true
					}
				}
			}
			want := map[string]bool{"/proc": true, "/sys": true}
			if r.value("podResources.enabled") != false {
				want["/var/lib/kubelet/pod-resources"] = true
			}
			for p := range hostPaths {
				if !want[p] {
					t.Errorf("unexpected hostPath mount %s", p)
				}
			}
			for p := range want {
				if !hostPaths[p] {
					t.Errorf("hostPath %s is not mounted read-only", p)
				}
			}
			for _, v := range pod.Volumes {
				if v.HostPath != nil && strings.HasSuffix(v.HostPath.Path, ".sock") {
					t.Errorf("volume %s mounts the socket %s; mount its directory (the kubelet recreates the socket)", v.Name, v.HostPath.Path)
				}
			}
		})
	}
}

func TestDaemonSetSecurityContext(t *testing.T) {
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			ds := only[*appsv1.DaemonSet](t, r, "DaemonSet")
			pod := ds.Spec.Template.Spec
			podInterfaces := r.value("podInterfaces.enabled") == true
			podResources := r.value("podResources.enabled") != false
			if pod.HostPID != podInterfaces {
				t.Errorf("hostPID = %v, want %v (only when podInterfaces.enabled)", pod.HostPID, podInterfaces)
			}
			if wantHostNet := r.value("hostNetwork") != false; pod.HostNetwork != wantHostNet {
				t.Errorf("hostNetwork = %v, want %v (the hostNetwork value, default true)", pod.HostNetwork, wantHostNet)
			}
			if pod.HostIPC {
				t.Error("hostIPC must stay off")
			}
			psc := pod.SecurityContext
			if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("pod securityContext must set seccompProfile RuntimeDefault: %+v", psc)
			}
			if psc != nil && !podResources && !podInterfaces {
				if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
					t.Errorf("without podResources/podInterfaces the agent must run as non-root: %+v", psc)
				}
			}
			for _, c := range pod.Containers {
				sc := c.SecurityContext
				if sc == nil {
					t.Fatalf("container %s has no securityContext", c.Name)
				}
				if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
					t.Errorf("container %s: allowPrivilegeEscalation must be false", c.Name)
				}
				if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					t.Errorf("container %s: readOnlyRootFilesystem must be true", c.Name)
				}
				if sc.Privileged != nil && *sc.Privileged {
					t.Errorf("container %s must not be privileged", c.Name)
				}
				if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
					t.Errorf("container %s must drop ALL capabilities: %+v", c.Name, sc.Capabilities)
				}
				var add []corev1.Capability
				if sc.Capabilities != nil {
					add = sc.Capabilities.Add
				}
				wantAdd := []corev1.Capability(nil)
				if podInterfaces {
					wantAdd = []corev1.Capability{"SYS_PTRACE"}
				}
				if !slices.Equal(add, wantAdd) {
					t.Errorf("container %s adds capabilities %v, want %v", c.Name, add, wantAdd)
				}
			}
		})
	}
}

func TestDaemonSetAgentContract(t *testing.T) {
	flags := agentFlagNames(t)
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			ds := only[*appsv1.DaemonSet](t, r, "DaemonSet")
			pod := ds.Spec.Template.Spec
			for k, v := range ds.Spec.Selector.MatchLabels {
				if ds.Spec.Template.Labels[k] != v {
					t.Errorf("selector label %s=%s is not on the pod template", k, v)
				}
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("want one agent container, got %d", len(pod.Containers))
			}
			c := pod.Containers[0]
			if !strings.Contains(c.Image, ":") || strings.HasSuffix(c.Image, ":latest") {
				t.Errorf("image %q must carry a fixed tag", c.Image)
			}
			var nodeName bool
			for _, e := range c.Env {
				if e.Name == "NODE_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.nodeName" {
					nodeName = true
				}
			}
			if !nodeName {
				t.Error("NODE_NAME must come from the downward API (fieldRef spec.nodeName)")
			}
			ports := map[string]int32{}
			for _, p := range c.Ports {
				ports[p.Name] = p.ContainerPort
			}
			for probeName, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
				if probe == nil || probe.HTTPGet == nil {
					t.Errorf("%s probe must be an HTTP GET on the agent", probeName)
					continue
				}
				if _, ok := ports[probe.HTTPGet.Port.String()]; !ok {
					t.Errorf("%s probe port %s is not a container port %v", probeName, probe.HTTPGet.Port.String(), ports)
				}
			}
			if c.LivenessProbe != nil && c.LivenessProbe.HTTPGet != nil && c.LivenessProbe.HTTPGet.Path != "/healthz" {
				t.Errorf("liveness path %s, want /healthz", c.LivenessProbe.HTTPGet.Path)
			}
			if c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet != nil && c.ReadinessProbe.HTTPGet.Path != "/-/ready" {
				t.Errorf("readiness path %s, want /-/ready", c.ReadinessProbe.HTTPGet.Path)
			}
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[res]; !ok {
					t.Errorf("no %s request", res)
				}
				if _, ok := c.Resources.Limits[res]; !ok {
					t.Errorf("no %s limit", res)
				}
			}
			var gpu bool
			for _, tol := range pod.Tolerations {
				if tol.Key == "nvidia.com/gpu" && tol.Operator == corev1.TolerationOpExists {
					gpu = true
				}
			}
			if !gpu {
				t.Error("no toleration for nvidia.com/gpu taints: the agent must run on GPU nodes")
			}
			sa := only[*corev1.ServiceAccount](t, r, "ServiceAccount")
			if pod.ServiceAccountName != sa.Name {
				t.Errorf("serviceAccountName %s, want %s", pod.ServiceAccountName, sa.Name)
			}
			for _, arg := range c.Args {
				if !flags[flagName(arg)] {
					t.Errorf("DaemonSet passes %s, which is not a flag of the agent (agent/src/**/flags.ts)", arg)
				}
			}
			if ds.Spec.Template.Annotations["checksum/config"] == "" {
				t.Error("the pod template needs a checksum/config annotation so config changes roll the agents")
			}
			secret, _ := r.value("remoteWrite.auth.existingSecret").(string)
			var mounted bool
			for _, v := range pod.Volumes {
				if v.Secret != nil {
					mounted = v.Secret.SecretName == secret
				}
			}
			if (secret != "") != mounted {
				t.Errorf("remote-write Secret %q mounted=%v", secret, mounted)
			}
		})
	}
}

// The ConfigMap is the agent's --config.file: only the agent's flag names, no secrets.
func TestConfigMapIsAgentConfig(t *testing.T) {
	flags := agentFlagNames(t)
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			cm := only[*corev1.ConfigMap](t, r, "ConfigMap")
			text, ok := cm.Data["config.yaml"]
			if !ok {
				t.Fatalf("ConfigMap has no config.yaml: %v", cm.Data)
			}
			cfg := map[string]any{}
			if err := sigsyaml.Unmarshal([]byte(text), &cfg); err != nil {
				t.Fatalf("config.yaml is not YAML: %v\n%s", err, text)
			}
			for k := range cfg {
				if !flags[k] {
					t.Errorf("config.yaml sets %q, which is not a flag of the agent", k)
				}
			}
			wantCluster := "default"
			if v, ok := r.value("cluster").(string); ok {
				wantCluster = v
			}
			if cfg["cluster"] != wantCluster {
				t.Errorf("config cluster = %v, want %s", cfg["cluster"], wantCluster)
			}
			if cfg["path.procfs"] != "/host/proc" || cfg["path.sysfs"] != "/host/sys" {
				t.Errorf("config must read the host's /proc and /sys mounts: %v %v", cfg["path.procfs"], cfg["path.sysfs"])
			}
			urls, _ := cfg["remote-write.url"].([]any)
			if len(urls) == 0 {
				t.Errorf("config has no remote-write.url")
			}
			lower := strings.ToLower(text)
			for _, bad := range []string{"password", "token:", "bearer"} {
				if strings.Contains(lower, bad) {
					t.Errorf("config.yaml mentions %q: secrets belong in the referenced Secret", bad)
				}
			}
		})
	}
}

func TestServiceAndScrapeObjects(t *testing.T) {
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			svc := only[*corev1.Service](t, r, "Service")
			ds := only[*appsv1.DaemonSet](t, r, "DaemonSet")
			if svc.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("Service must be headless, clusterIP=%q", svc.Spec.ClusterIP)
			}
			for k, v := range svc.Spec.Selector {
				if ds.Spec.Template.Labels[k] != v {
					t.Errorf("Service selector %s=%s does not select the agent pods", k, v)
				}
			}
			if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "metrics" {
				t.Errorf("Service ports %+v, want one named metrics", svc.Spec.Ports)
			}
			wantSM := r.value("serviceMonitor.enabled") == true
			wantVM := r.value("vmServiceScrape.enabled") == true
			var gotSM, gotVM bool
			for _, m := range r.objs {
				switch o := m.obj.(type) {
				case *monitoringv1.ServiceMonitor:
					gotSM = true
					for k, v := range o.Spec.Selector.MatchLabels {
						if svc.Labels[k] != v {
							t.Errorf("ServiceMonitor selector %s=%s does not select the Service", k, v)
						}
					}
					if len(o.Spec.Endpoints) != 1 || o.Spec.Endpoints[0].Port != "metrics" {
						t.Errorf("ServiceMonitor endpoints %+v", o.Spec.Endpoints)
					}
				case *vmServiceScrape:
					gotVM = true
					for k, v := range o.Spec.Selector.MatchLabels {
						if svc.Labels[k] != v {
							t.Errorf("VMServiceScrape selector %s=%s does not select the Service", k, v)
						}
					}
					if len(o.Spec.Endpoints) != 1 || o.Spec.Endpoints[0].Port != "metrics" {
						t.Errorf("VMServiceScrape endpoints %+v", o.Spec.Endpoints)
					}
				}
			}
			if gotSM != wantSM || gotVM != wantVM {
				t.Errorf("ServiceMonitor rendered=%v want %v; VMServiceScrape rendered=%v want %v", gotSM, wantSM, gotVM, wantVM)
			}
		})
	}
}

// The agent reads /host/proc/net/dev, a link to self/net: the network namespace of the reading
// process. Only with hostNetwork are its NIC counters the node's (the ones /host/sys/class/net
// describes), so hostNetwork is the default, with the cluster DNS kept.
func TestHostNetwork(t *testing.T) {
	cases := map[string]struct {
		set       []string
		hostNet   bool
		dnsPolicy corev1.DNSPolicy
	}{
		"default": {nil, true, corev1.DNSClusterFirstWithHostNet},
		"true":    {[]string{"hostNetwork=true"}, true, corev1.DNSClusterFirstWithHostNet},
		"false":   {[]string{"hostNetwork=false"}, false, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, "", tc.set...)
			pod := only[*appsv1.DaemonSet](t, r, "DaemonSet").Spec.Template.Spec
			if pod.HostNetwork != tc.hostNet || pod.DNSPolicy != tc.dnsPolicy {
				t.Errorf("hostNetwork=%v dnsPolicy=%q, want hostNetwork=%v dnsPolicy=%q", pod.HostNetwork, pod.DNSPolicy, tc.hostNet, tc.dnsPolicy)
			}
			notes := renderNotes(t, append([]string{"cluster=test"}, tc.set...)...)
			const warning = "WARNING: hostNetwork is false, so the agent runs in its pod's own network namespace."
			if got := strings.Contains(notes, warning); got != !tc.hostNet {
				t.Errorf("NOTES contains the hostNetwork warning = %v, want %v:\n%s", got, !tc.hostNet, notes)
			}
			const nodePort = "it also answers on\n   http://<node IP>:9105/metrics"
			if got := strings.Contains(notes, nodePort); got != tc.hostNet {
				t.Errorf("NOTES says the agent answers on the node's port 9105 = %v, want %v:\n%s", got, tc.hostNet, notes)
			}
		})
	}
	readme, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| `hostNetwork` | `true` |",
		"### Host network",
		"With `hostNetwork: false` the two disagree",
		"NetworkPolicies do not apply to host-network pods",
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("chart README.md does not say %q", want)
		}
	}
}

// One port for the agent everywhere: its listen address, the container port (and, with
// hostNetwork, the hostPort), the probes, the Service and the scrape objects.
func TestAgentPortIsConsistent(t *testing.T) {
	type variant struct {
		file    string
		set     []string
		port    int32
		hostNet bool
	}
	variants := map[string]variant{}
	for name, file := range valueSets(t) {
		variants[name] = variant{file, nil, 9105, true}
	}
	variants["default port=19105"] = variant{"", []string{"service.port=19105"}, 19105, true}
	variants["hostNetwork=false port=19105"] = variant{"", []string{"hostNetwork=false", "service.port=19105"}, 19105, false}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, v.file, v.set...)
			if v.file != "" {
				v.hostNet = r.value("hostNetwork") != false
			}
			cfg := map[string]any{}
			if err := sigsyaml.Unmarshal([]byte(only[*corev1.ConfigMap](t, r, "ConfigMap").Data["config.yaml"]), &cfg); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(":%d", v.port); cfg["web.listen-address"] != want {
				t.Errorf("config web.listen-address = %v, want %s", cfg["web.listen-address"], want)
			}
			c := only[*appsv1.DaemonSet](t, r, "DaemonSet").Spec.Template.Spec.Containers[0]
			wantHostPort := int32(0)
			if v.hostNet {
				wantHostPort = v.port
			}
			if len(c.Ports) != 1 || c.Ports[0].Name != "metrics" || c.Ports[0].ContainerPort != v.port || c.Ports[0].HostPort != wantHostPort {
				t.Errorf("container ports %+v, want one named metrics with containerPort %d and hostPort %d", c.Ports, v.port, wantHostPort)
			}
			for probeName, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
				if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Port.String() != "metrics" {
					t.Errorf("%s probe must be an HTTP GET on port metrics: %+v", probeName, probe)
				}
			}
			svc := only[*corev1.Service](t, r, "Service")
			if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != v.port || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
				t.Errorf("Service ports %+v, want port %d with targetPort metrics", svc.Spec.Ports, v.port)
			}
		})
	}
}

// values.schema.json turns bad values into clear errors before anything reaches a cluster.
func TestSchemaRejectsBadValues(t *testing.T) {
	cases := map[string]struct {
		set  []string
		want string
	}{
		"unknown pod source": {[]string{"pods.source=informer"}, "/pods/source"},
		"bad interval":       {[]string{"interval.high=fast"}, "/interval/high"},
		"bad url":            {[]string{"remoteWrite.urls[0]=vm:8428"}, "/remoteWrite/urls/0"},
		"unknown key":        {[]string{"remotewrite.urls[0]=http://vm:8428/api/v1/write"}, "remotewrite"},
		"no url":             {[]string{"remoteWrite.urls=null"}, "remoteWrite.urls"},
		"bad cluster":        {[]string{"cluster=my cluster"}, "cluster"},
		"hostNetwork string": {[]string{"hostNetwork=yes"}, "/hostNetwork"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := render(t, "", tc.set...)
			if err == nil {
				t.Fatalf("helm template --set %v succeeded; want a values error", tc.set)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("error does not name %s:\n%s", tc.want, out)
			}
		})
	}
}

// The chart README documents every example and the Grafana plugin install.
func TestChartReadmeDocumentsExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for name, file := range valueSets(t) {
		if file != "" && !strings.Contains(readme, "examples/"+filepath.Base(file)) {
			t.Errorf("README.md does not mention examples/%s (%s)", filepath.Base(file), name)
		}
	}
	for _, want := range []string{"/insert/", "/api/v1/write", "GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS", "hifreq-netmon-app", "hifreq-netmon-datasource"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md does not mention %s", want)
		}
	}
}

// The agent itself parses what the chart gives it: the DaemonSet's arguments with the rendered
// ConfigMap as --config.file (`--version` makes it exit right after parsing, 2 on a bad flag).
func TestAgentAcceptsChartConfig(t *testing.T) {
	agentMain := filepath.Join(repoRoot(t), "agent", "dist", "main.js")
	if _, err := os.Stat(agentMain); err != nil {
		t.Fatalf("the agent is not built (%s is missing): run npm run build -w agent", agentMain)
	}
	nodeBin := tool(t, "node", "install Node.js 20 or newer")
	for name, file := range valueSets(t) {
		t.Run(name, func(t *testing.T) {
			r := renderSet(t, name, file)
			cm := only[*corev1.ConfigMap](t, r, "ConfigMap")
			ds := only[*appsv1.DaemonSet](t, r, "DaemonSet")
			cfg := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(cfg, []byte(cm.Data["config.yaml"]), 0o600); err != nil {
				t.Fatal(err)
			}
			// Kubernetes expands $(VAR) from the container's env; stand-ins for the test.
			expand := strings.NewReplacer("$(HOST_IP)", "127.0.0.1", "$(REMOTE_WRITE_USERNAME)", "hifreq", "$(NODE_NAME)", "node-1")
			args := []string{agentMain}
			for _, a := range ds.Spec.Template.Spec.Containers[0].Args {
				if strings.HasPrefix(a, "--config.file=") {
					a = "--config.file=" + cfg
				}
				args = append(args, expand.Replace(a))
			}
			args = append(args, "--version")
			out, err := run(repoRoot(t), nodeBin, args...)
			if err != nil {
				t.Fatalf("the agent rejects the chart's configuration: %v\n%s\nconfig.yaml:\n%s", err, out, cm.Data["config.yaml"])
			}
		})
	}
}
