package deploy

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	sigsyaml "sigs.k8s.io/yaml"
)

// The stack docker-compose.yaml describes, run without Docker: VictoriaMetrics with the compose
// file's flags and the two agents with the compose file's commands and pod files, as processes
// on loopback. Both clusters' labelled jobs must arrive at one-second resolution.
func TestStackWithoutDocker(t *testing.T) {
	root := repoRoot(t)
	vmBin := tool(t, "victoria-metrics", "apt-get install victoria-metrics")
	nodeBin := tool(t, "node", "install Node.js 20 or newer")
	agentMain := filepath.Join(root, "agent", "dist", "main.js")
	if _, err := os.Stat(agentMain); err != nil {
		t.Fatalf("the agent is not built (%s is missing): run npm run build -w agent", agentMain)
	}
	project := loadCompose(t)
	tmp := t.TempDir()

	// VictoriaMetrics: the compose flags, with storage and listen address moved to this test.
	vmPort := freePort(t)
	vmURL := fmt.Sprintf("http://127.0.0.1:%d", vmPort)
	var vmArgs []string
	for _, a := range project.Services["victoriametrics"].Command {
		switch {
		case strings.HasPrefix(a, "-storageDataPath="):
			a = "-storageDataPath=" + filepath.Join(tmp, "vm")
		case strings.HasPrefix(a, "-httpListenAddr="):
			a = fmt.Sprintf("-httpListenAddr=127.0.0.1:%d", vmPort)
		}
		vmArgs = append(vmArgs, a)
	}
	start(t, tmp, "victoriametrics", vmBin, vmArgs...)
	waitHTTP(t, vmURL+"/health", 30*time.Second)

	// The agents: the compose command, with container paths mapped to the host paths the compose
	// file mounts there, the service name of VictoriaMetrics mapped to this test's address, and a
	// queue directory and listen address of their own.
	type job struct{ cluster, node, jobName, device, readyURL string }
	var jobs []job
	for _, a := range composeAgents(t) {
		mounts := project.Services[a.service].Volumes
		port := freePort(t)
		args := []string{agentMain}
		for _, arg := range a.argv {
			name := flagName(arg)
			_, value, _ := strings.Cut(arg, "=")
			switch name {
			case "remote-write.url":
				value = strings.Replace(value, "http://victoriametrics:8428", vmURL, 1)
			case "remote-write.queue-dir":
				value = filepath.Join(tmp, a.service+"-queue")
			default:
				value = hostPath(mounts, value)
			}
			args = append(args, "--"+name+"="+value)
		}
		args = append(args, fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port))
		start(t, tmp, a.service, nodeBin, args...)
		j := job{cluster: a.args["cluster"], node: a.args["node-name"], readyURL: fmt.Sprintf("http://127.0.0.1:%d/-/ready", port)}
		j.jobName, j.device = labelledJob(t, a)
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		waitHTTP(t, j.readyURL, 30*time.Second) // what the compose healthcheck asks
	}

	// 1 s data: at least 12 samples in a 15 s window (15 s data would give at most 2).
	deadline := time.Now().Add(90 * time.Second)
	for _, j := range jobs {
		q := fmt.Sprintf(`count_over_time(node_network_receive_bytes_total{cluster=%q,node=%q,job_name=%q,device=%q}[15s])`,
			j.cluster, j.node, j.jobName, j.device)
		var last string
		for {
			n, desc := instant(t, vmURL, q)
			last = desc
			if n >= 12 {
				t.Logf("%s: %s = %d", j.cluster, q, n)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no 1 s series of cluster %s job %s device %s in VictoriaMetrics after 90 s (last answer: %s)\n%s",
					j.cluster, j.jobName, j.device, last, logTails(tmp))
			}
			time.Sleep(2 * time.Second)
		}
	}

	// Only the jobs that ask get 1 s: cluster-b binds eth0 only, so its lo stays at 15 s and
	// carries no job label.
	q := `count_over_time(node_network_receive_bytes_total{cluster="cluster-b",device="lo"}[30s])`
	n, desc := instant(t, vmURL, q)
	for end := time.Now().Add(40 * time.Second); n == 0 && time.Now().Before(end); n, desc = instant(t, vmURL, q) {
		time.Sleep(2 * time.Second) // a brand-new series takes seconds to become searchable
	}
	if n < 1 || n > 3 {
		t.Errorf("%s: want 1-3 samples (15 s interval), got %s", q, desc)
	}
	q = `count(node_network_receive_bytes_total{cluster="cluster-b",device="lo",job_name!=""})`
	if n, desc := instant(t, vmURL, q); n != 0 {
		t.Errorf("%s: an unbound device must not carry job_name, got %s", q, desc)
	}
}

// hostPath maps a path inside a container to the host path bind-mounted there.
func hostPath(mounts []types.ServiceVolumeConfig, p string) string {
	for _, m := range mounts {
		if m.Type != types.VolumeTypeBind {
			continue
		}
		if p == m.Target {
			return m.Source
		}
		if rest, ok := strings.CutPrefix(p, m.Target+"/"); ok {
			return filepath.Join(m.Source, rest)
		}
	}
	return p
}

// labelledJob returns the job-name and the first device of the pod file's labelled pod.
func labelledJob(t *testing.T, a composeAgent) (jobName, device string) {
	t.Helper()
	data, err := os.ReadFile(a.pods)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Pods []struct {
			NodeName string
			Labels   map[string]string
			Devices  []string
		} `json:"pods"`
	}
	if err := sigsyaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Pods {
		if p.NodeName == a.args["node-name"] && p.Labels["monitor"] == "high-frequency" && len(p.Devices) > 0 {
			if _, err := os.Stat(filepath.Join("/sys/class/net", p.Devices[0])); err != nil {
				t.Fatalf("%s binds device %s, which this machine does not have", a.pods, p.Devices[0])
			}
			return p.Labels["job-name"], p.Devices[0]
		}
	}
	t.Fatalf("%s has no labelled pod on %s", a.pods, a.args["node-name"])
	return "", ""
}

func start(t *testing.T, dir, name, bin string, args ...string) {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		log.Close()
	})
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitHTTP(t *testing.T, u string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within %s (last: %v)\n%s", u, limit, err, logTails(filepath.Dir(t.TempDir())))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// instant runs an instant query and returns the largest value in the result.
func instant(t *testing.T, vmURL, query string) (int, string) {
	t.Helper()
	resp, err := http.Get(vmURL + "/api/v1/query?nocache=1&query=" + url.QueryEscape(query))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err.Error()
	}
	best := 0
	for _, r := range body.Data.Result {
		if s, ok := r.Value[1].(string); ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil && int(v) > best {
				best = int(v)
			}
		}
	}
	return best, fmt.Sprintf("status %s, %d series, max %d", body.Status, len(body.Data.Result), best)
}

// logTails returns the last lines of every process log in dir, for failure messages.
func logTails(dir string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.log"))
	more, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	var b strings.Builder
	for _, f := range append(files, more...) {
		data, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		fmt.Fprintf(&b, "--- %s (last lines)\n%s\n", filepath.Base(f), strings.Join(lines, "\n"))
	}
	return b.String()
}
