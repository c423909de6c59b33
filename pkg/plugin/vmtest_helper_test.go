package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

const vmBinary = "/usr/bin/victoria-metrics"

// testVM is a real VictoriaMetrics single node on a loopback port with a temporary storage dir.
type testVM struct {
	URL  string
	cmd  *exec.Cmd
	dir  string
	logs *bytes.Buffer

	stopOnce sync.Once
}

// startVM starts VictoriaMetrics with the flags fresh one-second data needs, plus extra flags.
func startVM(extra ...string) (*testVM, error) {
	if _, err := os.Stat(vmBinary); err != nil {
		return nil, fmt.Errorf("%s is missing: install it with `apt-get install victoria-metrics` (the Go tests need a real VictoriaMetrics 1.79.5)", vmBinary)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "hifreq-vm-")
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := append([]string{
		"-httpListenAddr=" + addr,
		"-storageDataPath=" + filepath.Join(dir, "data"),
		"-retentionPeriod=100y",
		"-loggerLevel=ERROR",
	}, extra...)
	cmd := exec.Command(vmBinary, args...)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %s: %v", vmBinary, err)
	}
	vm := &testVM{URL: "http://" + addr, cmd: cmd, dir: dir, logs: logs}
	startedVMsMu.Lock()
	startedVMs = append(startedVMs, vm)
	startedVMsMu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(vm.URL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return vm, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	vm.stop()
	return nil, fmt.Errorf("VictoriaMetrics did not become healthy on %s within 30s; its output: %s", addr, logs.String())
}

// freshFlags are the flags DESIGN.md §4 requires wherever fresh 1 s data matters.
var freshFlags = []string{"-search.latencyOffset=1s", "-search.maxStepForPointsAdjustment=0"}

func (vm *testVM) stop() {
	vm.stopOnce.Do(func() {
		if vm.cmd.Process != nil {
			_ = vm.cmd.Process.Kill()
			_ = vm.cmd.Wait()
		}
		_ = os.RemoveAll(vm.dir)
	})
}

// Every VictoriaMetrics a test starts, so TestMain can stop the shared fixture's and any a test
// left running: a VictoriaMetrics outlives the test binary otherwise.
var (
	startedVMsMu sync.Mutex
	startedVMs   []*testVM
)

func stopAllVMs() {
	startedVMsMu.Lock()
	defer startedVMsMu.Unlock()
	for _, vm := range startedVMs {
		vm.stop()
	}
	startedVMs = nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// importLine is one line of /api/v1/import.
type importLine struct {
	Metric     map[string]string `json:"metric"`
	Values     []float64         `json:"values"`
	Timestamps []int64           `json:"timestamps"`
}

func (vm *testVM) importSeries(lines []importLine) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	resp, err := http.Post(vm.URL+"/api/v1/import", "application/json", &buf)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("import answered %d: %s", resp.StatusCode, b)
	}
	return nil
}

// waitQuery polls an instant query until it returns want as its single value (bounded: new
// series can take ~10 s to become searchable on 1.79.5).
func (vm *testVM) waitQuery(expr string, at time.Time, want float64) error {
	deadline := time.Now().Add(40 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		args := url.Values{"query": {expr}, "time": {formatTime(at)}, "nocache": {"1"}}
		resp, err := http.Get(vm.URL + "/api/v1/query?" + args.Encode())
		if err == nil {
			var pr promResponse
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = string(b)
			if json.Unmarshal(b, &pr) == nil && len(pr.Data.Result) == 1 {
				if _, v, err := parsePoint(pr.Data.Result[0].Value); err == nil && v == want {
					return nil
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("query %s did not return %v within 40s; last answer: %s", expr, want, last)
}

func ctxTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// promResponse decodes answers in the test helpers (the plugin uses parseMatrix).
type promResponse struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string    `json:"metric"`
			Values [][2]json.RawMessage `json:"values"`
			Value  [2]json.RawMessage   `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

func parsePoint(p [2]json.RawMessage) (time.Time, float64, error) {
	var ts float64
	if err := json.Unmarshal(p[0], &ts); err != nil {
		return time.Time{}, 0, err
	}
	var vs string
	if err := json.Unmarshal(p[1], &vs); err != nil {
		return time.Time{}, 0, err
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return time.Time{}, 0, err
	}
	return time.UnixMilli(int64(math.Round(ts * 1000))).UTC(), v, nil
}
