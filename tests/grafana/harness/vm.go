package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"testing"
	"time"
)

// VictoriaMetricsBinary is Debian's single-node VictoriaMetrics (package victoria-metrics).
const VictoriaMetricsBinary = "victoria-metrics"

// VM is a real single-node VictoriaMetrics on a loopback port with its own storage.
type VM struct {
	URL  string // http://127.0.0.1:<port>
	Proc *Process
}

// StartVM starts VictoriaMetrics with the flags the design asks for wherever fresh 1 s data
// matters (-search.latencyOffset=1s -search.maxStepForPointsAdjustment=0).
func StartVM(t testing.TB) *VM {
	t.Helper()
	bin, err := exec.LookPath(VictoriaMetricsBinary)
	if err != nil {
		t.Fatalf("VictoriaMetrics is not installed (%v): install it with `apt-get install victoria-metrics` or run `bash scripts/install.sh`", err)
	}
	addr := FreeLoopbackAddr(t)
	proc := StartProcess(t, "victoria-metrics", bin, []string{
		"-httpListenAddr=" + addr,
		"-storageDataPath=" + t.TempDir(),
		"-retentionPeriod=1y",
		"-search.latencyOffset=1s",
		"-search.maxStepForPointsAdjustment=0",
		"-search.cacheTimestampOffset=0s",
	}, nil)
	vm := &VM{URL: "http://" + addr, Proc: proc}
	proc.WaitHTTP(t, vm.URL+"/health", 30*time.Second)
	return vm
}

// Series is one series for VictoriaMetrics' JSON-lines import API.
type Series struct {
	Labels     map[string]string // including __name__
	Values     []float64
	Timestamps []int64 // milliseconds
}

// Import writes series through /api/v1/import and flushes them so queries see them at once.
func (vm *VM) Import(ctx context.Context, series []Series) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, s := range series {
		if len(s.Values) != len(s.Timestamps) {
			return fmt.Errorf("series %v: %d values but %d timestamps", s.Labels, len(s.Values), len(s.Timestamps))
		}
		if err := enc.Encode(map[string]any{"metric": s.Labels, "values": s.Values, "timestamps": s.Timestamps}); err != nil {
			return err
		}
	}
	if err := vm.post(ctx, "/api/v1/import", "application/json", &body); err != nil {
		return err
	}
	return vm.post(ctx, "/internal/force_flush", "", nil)
}

func (vm *VM) post(ctx context.Context, path, contentType string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, vm.URL+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("VictoriaMetrics %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("VictoriaMetrics %s: %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// QueryRangeResult is one series of a /api/v1/query_range answer.
type QueryRangeResult struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// QueryRange runs a MetricsQL range query directly against VictoriaMetrics (nocache=1).
func (vm *VM) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]QueryRangeResult, error) {
	q := url.Values{}
	q.Set("query", query)
	q.Set("start", fmt.Sprintf("%d", start.Unix()))
	q.Set("end", fmt.Sprintf("%d", end.Unix()))
	q.Set("step", fmt.Sprintf("%ds", int(step.Seconds())))
	q.Set("nocache", "1")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, vm.URL+"/api/v1/query_range?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []QueryRangeResult `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decode query_range answer: %w", err)
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("query_range %q: %s", query, out.Error)
	}
	return out.Data.Result, nil
}
