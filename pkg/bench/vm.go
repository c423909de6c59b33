package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type vmProc struct {
	url string
	cmd *exec.Cmd
	dir string
}

func startVM(bin string) (*vmProc, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s is missing: install it with `apt-get install victoria-metrics` or pass -vm-url", bin)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	dir, err := os.MkdirTemp("", "hifreq-bench-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-httpListenAddr="+addr, "-storageDataPath="+filepath.Join(dir, "data"), "-retentionPeriod=100y",
		"-search.latencyOffset=1s", "-search.maxStepForPointsAdjustment=0", "-loggerLevel=ERROR")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	vm := &vmProc{url: "http://" + addr, cmd: cmd, dir: dir}
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(vm.url + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return vm, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	vm.stop()
	return nil, fmt.Errorf("VictoriaMetrics did not start on %s", addr)
}

func (vm *vmProc) stop() {
	_ = vm.cmd.Process.Kill()
	_ = vm.cmd.Wait()
	_ = os.RemoveAll(vm.dir)
}

type importLine struct {
	Metric     map[string]string `json:"metric"`
	Values     []float64         `json:"values"`
	Timestamps []int64           `json:"timestamps"`
}

func importLines(vmURL string, lines []importLine) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	resp, err := http.Post(vmURL+"/api/v1/import", "application/json", &buf)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("import: HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}

// waitCount polls until expr returns want at t (new series can take ~10 s to become searchable).
func waitCount(vmURL, expr string, at time.Time, want float64) error {
	var last string
	for i := 0; i < 600; i++ {
		args := url.Values{"query": {expr}, "time": {strconv.FormatInt(at.Unix(), 10)}, "nocache": {"1"}}
		resp, err := http.Get(vmURL + "/api/v1/query?" + args.Encode())
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = string(b)
			if strings.Contains(last, `"`+strconv.FormatFloat(want, 'f', -1, 64)+`"]`) {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s did not reach %v; last answer %s", expr, want, last)
}
