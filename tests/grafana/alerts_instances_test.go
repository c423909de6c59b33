package grafanae2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

// Rules the app's Alerts page makes: one template instantiated for one cluster and one job
// (rendered by the same TypeScript catalog the page uses, via scripts/gen-alert-rules.ts
// --render), evaluated through the real plugin backend over gRPC against real VictoriaMetrics.
// Each must reach Alerting for the misbehaving node of its job, stay Normal for the job's healthy
// node, and not evaluate another job's node with the same fault at all.

// renderInstance returns the rule the Alerts page would create for input.
func renderInstance(t *testing.T, root string, input map[string]any) harness.AlertRule {
	t.Helper()
	tsx := filepath.Join(root, "node_modules", ".bin", "tsx")
	if _, err := os.Stat(tsx); err != nil {
		t.Fatalf("%s is missing (%v): run npm install at the repository root", tsx, err)
	}
	arg, _ := json.Marshal(input)
	cmd := exec.Command(tsx, filepath.Join(root, "scripts", "gen-alert-rules.ts"), "--render", string(arg))
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("render %s: %v: %s", arg, err, stderr.String())
	}
	var rule harness.AlertRule
	if err := json.Unmarshal(out, &rule); err != nil {
		t.Fatalf("render %s: not a rule: %v: %s", arg, err, out)
	}
	return rule
}

// instanceData: cluster "inst"; job train-a on n1 (faulty) and n2 (healthy); job train-b on n3
// with the same faults as n1.
func instanceData(end time.Time) []harness.Series {
	faulty := modified(func(r *nodeRates) {
		r.nicRxDrop = lastSeconds(30, 10, 0)
		r.softnetDropped = lastSeconds(30, 10, 0)
		r.ibLinkDowned = at(faultWindow-20, 1)
		r.tcpRetrans = constant(500)
	})
	var out []harness.Series
	out = append(out, nodeSeries("inst", "n1", "train-a", faulty, end)...)
	out = append(out, nodeSeries("inst", "n2", "train-a", healthyRates(), end)...)
	out = append(out, nodeSeries("inst", "n3", "train-b", faulty, end)...)
	return out
}

func TestAlertTemplateInstancesFireForTheirJobOnly(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	end := alignedNow()
	series := instanceData(end)
	if err := e.vm.Import(ctx, series); err != nil {
		t.Fatalf("import: %v", err)
	}
	harness.Eventually(t, 30*time.Second, 500*time.Millisecond, "VictoriaMetrics shows every imported series", func(ctx context.Context) error {
		res, err := e.vm.QueryRange(ctx, `count(last_over_time({cluster="inst"}[15m]))`, end, end, time.Second)
		if err != nil {
			return err
		}
		if len(res) != 1 || len(res[0].Values) == 0 {
			return fmt.Errorf("no answer yet")
		}
		got, _ := strconv.Atoi(fmt.Sprint(res[0].Values[len(res[0].Values)-1][1]))
		if got != len(series) {
			return fmt.Errorf("%d of %d series visible", got, len(series))
		}
		return nil
	})
	contexts := map[string]backend.PluginContext{dsUID: e.pctx}

	cases := []struct {
		template, job string
		want          []string // "State node job_name", sorted
	}{
		{"ib-link-flap", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"nic-drops", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"softnet-drops", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"tcp-retrans", "train-a", []string{"Alerting n1 train-a", "Normal n2 train-a"}},
		{"nic-drops", "/train-.*/", []string{"Alerting n1 train-a", "Alerting n3 train-b", "Normal n2 train-a"}},
		{"softnet-drops", "train-a|train-b", []string{"Alerting n1 train-a", "Alerting n3 train-b", "Normal n2 train-a"}},
		{"nic-drops", "*", []string{"Alerting n1 train-a", "Alerting n3 train-b", "Normal n2 train-a"}},
	}
	for _, c := range cases {
		t.Run(c.template+"/"+c.job, func(t *testing.T) {
			rule := renderInstance(t, e.root, map[string]any{"templateId": c.template, "scope": map[string]string{"cluster": "inst", "job": c.job}})
			if rule.Labels["hifreq_template"] != c.template || rule.For != "0s" || rule.IsPaused {
				t.Fatalf("rendered rule %s: labels %v for %q paused %v", rule.UID, rule.Labels, rule.For, rule.IsPaused)
			}
			res, err := harness.EvaluateRule(ctx, e.backend, contexts, rule, end.Add(time.Second))
			if err != nil {
				t.Fatalf("evaluation error (Grafana would set the rule to %s): %v", rule.ExecErrState, err)
			}
			var got []string
			for _, in := range res.Instances {
				got = append(got, in.State+" "+in.Labels["node"]+" "+in.Labels["job_name"])
			}
			sort.Strings(got)
			if strings.Join(got, "; ") != strings.Join(c.want, "; ") {
				t.Errorf("instances = %v, want %v (%s)", got, c.want, res)
			}
		})
	}
}
