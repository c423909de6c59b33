package grafanae2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

// fakeHost is a procfs/sysfs tree the agent reads instead of the machine's: one NIC, eth0, whose
// receive counter the test drives.
type fakeHost struct {
	procfs, sysfs string
}

func newFakeHost(t *testing.T) *fakeHost {
	root := t.TempDir()
	h := &fakeHost{procfs: filepath.Join(root, "proc"), sysfs: filepath.Join(root, "sys")}
	for path, content := range map[string]string{
		"sys/class/net/eth0/operstate":       "up\n",
		"sys/class/net/eth0/speed":           "100000\n",
		"sys/class/net/eth0/carrier_changes": "1\n",
	} {
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(h.procfs, "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	return h
}

// writeNetDev rewrites proc/net/dev in place, as the kernel's procfs files change: same inode, same
// length (the counter is zero-padded to 20 digits), one write at offset 0. The agent keeps the file
// open and re-reads it at offset 0; a write-and-rename would leave it reading the old inode forever,
// and a truncate-then-write could show it an empty file.
func (h *fakeHost) writeNetDev(rxBytes int64) error {
	text := "Inter-|   Receive                                                |  Transmit\n" +
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
		fmt.Sprintf("  eth0: %020d 1000 0 0 0 0 0 0 5000 50 0 0 0 0 0 0\n", rxBytes)
	f, err := os.OpenFile(filepath.Join(h.procfs, "net", "dev"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte(text), 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestAgentDataThroughThePlugin runs the real hifreq-agent (agent/dist/main.js) against a fake host
// whose eth0 receives 1000 B every second plus one 1 MB burst, remote-writing to a real
// VictoriaMetrics, and reads it back through the plugin's QueryData exactly as a panel or
// POST /api/ds/query would: 8000 bit/s every second and 8 008 000 bit/s in the burst second, at 1 s resolution.
func TestAgentDataThroughThePlugin(t *testing.T) {
	e := setup(t)
	agentMain := filepath.Join(e.root, "agent", "dist", "main.js")
	if _, err := os.Stat(agentMain); err != nil {
		t.Fatalf("the agent is not built (%v): run `npm run build` at the repository root", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (%v): the agent needs Node.js 20", err)
	}

	host := newFakeHost(t)
	// The counter changes at every half second (k.5 s), far from the agent's reads at k.0 s, so
	// two consecutive 1 s reads differ by exactly one second's traffic.
	burstSec := time.Now().Unix() + 20
	counterAt := func(now time.Time) int64 {
		s := int64(math.Round(float64(now.UnixMilli()) / 1000))
		v := int64(5_000_000_000) + 1000*s
		if s >= burstSec {
			v += 1_000_000
		}
		return v
	}
	if err := host.writeNetDev(counterAt(time.Now())); err != nil {
		t.Fatal(err)
	}
	stopWriter := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopWriter:
				writerDone <- nil
				return
			case now := <-tick.C:
				if err := host.writeNetDev(counterAt(now)); err != nil {
					writerDone <- err
					return
				}
			}
		}
	}()
	t.Cleanup(func() {
		close(stopWriter)
		if err := <-writerDone; err != nil {
			t.Errorf("writing the fake /proc/net/dev: %v", err)
		}
	})

	podsFile := filepath.Join(t.TempDir(), "pods.yaml")
	pods := map[string]any{"pods": []map[string]any{{
		"namespace": "train", "name": "llama-worker-0", "uid": "6f1c2a7e-0000-4000-8000-000000000001",
		"nodeName": "gpu-node-1",
		"labels":   map[string]string{"monitor": "high-frequency", "job-name": "llama-pretrain"},
		"devices":  []string{"eth0"},
	}}}
	podsJSON, _ := json.Marshal(pods)
	if err := os.WriteFile(podsFile, podsJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	web := harness.FreeLoopbackAddr(t)
	agent := harness.StartProcess(t, "hifreq-agent", node, []string{
		agentMain,
		"--path.procfs=" + host.procfs, "--path.sysfs=" + host.sysfs,
		"--pods.source=file", "--pods.file=" + podsFile,
		"--cluster=e2e", "--node-name=gpu-node-1",
		"--remote-write.url=" + e.vm.URL + "/api/v1/write",
		"--remote-write.queue-dir=" + t.TempDir(),
		"--binding.pod-resources-socket=",
		"--web.listen-address=" + web,
	}, nil)
	agent.WaitHTTP(t, "http://"+web+"/-/ready", 30*time.Second)

	// Wait until the burst second is 8 s in the past, so the window around it is complete.
	if d := time.Until(time.Unix(burstSec+8, 0)); d > 0 {
		time.Sleep(d)
	}
	from, to := time.Unix(burstSec-10, 0), time.Unix(burstSec+6, 0)
	raw, _ := json.Marshal(map[string]any{
		"refId": "A", "datasource": map[string]string{"uid": dsUID, "type": datasourceID},
		"queryType": "signal", "cluster": "e2e", "job": "llama-pretrain",
		"signal": "nic_rx_bits", "groupBy": "device", "envelope": "max",
	})
	var values []float64
	harness.Eventually(t, 20*time.Second, time.Second, "the agent's samples reach QueryData", func(ctx context.Context) error {
		resp, err := e.backend.QueryData(ctx, &backend.QueryDataRequest{
			PluginContext: e.pctx,
			Queries: []backend.DataQuery{{RefID: "A", QueryType: "signal", JSON: raw,
				Interval: time.Second, MaxDataPoints: 1000, TimeRange: backend.TimeRange{From: from, To: to}}},
		})
		if err != nil {
			return err
		}
		dr := resp.Responses["A"]
		if dr.Error != nil {
			return dr.Error
		}
		values = values[:0]
		series := 0
		for _, f := range dr.Frames {
			for _, fld := range f.Fields {
				if !fld.Type().Numeric() {
					continue
				}
				series++
				if fld.Labels["device"] != "eth0" {
					return fmt.Errorf("unexpected series %s", fld.Labels)
				}
				for i := 0; i < fld.Len(); i++ {
					if v, _ := fld.NullableFloatAt(i); v != nil {
						values = append(values, *v)
					}
				}
			}
		}
		if series != 1 || len(values) < 14 {
			return fmt.Errorf("%d series with %d points over 16 s so far", series, len(values))
		}
		return nil
	})
	// The backend divides each second's increase by the actual spacing of the agent's timestamps
	// (read times, e.g. 999 ms or 1004 ms apart), so a point is 8000 × 1000 ms / spacing: within
	// 5 % of 8000 for spacings of 952-1052 ms.
	near := func(v, want float64) bool { return math.Abs(v-want) <= 0.05*want }
	typical, bursts := 0, 0
	for _, v := range values {
		switch {
		case near(v, 8000):
			typical++
		case near(v, 8_008_000):
			bursts++
		}
	}
	if bursts != 1 {
		t.Errorf("want exactly one point at the 1 MB burst (8008000 bit/s ± 5%%), got %d; values %v", bursts, values)
	}
	// A tick delayed by a busy machine can merge two seconds into one point; everything else is
	// one second of 1000 B.
	if typical < len(values)-3 {
		t.Errorf("want every point but the burst at 8000 bit/s ± 5%% (at most 2 off by a late tick); got %v", values)
	}

	// Grafana Live: the panel subscribes to the signal's channel and the plugin pushes the
	// last minute at once, then each new second.
	path := "signal/e2e/llama-pretrain/nic_rx_bits"
	if st, err := e.backend.SubscribeStream(context.Background(), e.pctx, path); err != nil || st != backend.SubscribeStreamStatusOK {
		t.Fatalf("SubscribeStream %s = %v, %v; want OK", path, st, err)
	}
	if st, err := e.backend.SubscribeStream(context.Background(), e.pctx, "signal/e2e"); err != nil || st != backend.SubscribeStreamStatusNotFound {
		t.Errorf("SubscribeStream of a malformed path = %v, %v; want NotFound", st, err)
	}
	streamCtx, stopStream := context.WithTimeout(context.Background(), 8*time.Second)
	defer stopStream()
	frames, errc, err := e.backend.RunStream(streamCtx, e.pctx, path)
	if err != nil {
		t.Fatalf("RunStream %s: %v", path, err)
	}
	var packets int
	var lastTime time.Time
	sawBurst, newPoints, newTypical := false, 0, 0
	for f := range frames {
		packets++
		for i := 0; i < f.Rows(); i++ {
			ts, _ := f.Fields[0].At(i).(time.Time)
			if !ts.After(lastTime) {
				t.Errorf("packet %d repeats or reorders time %s (last %s)", packets, ts, lastTime)
			}
			lastTime = ts
			for _, fld := range f.Fields[1:] {
				v, _ := fld.NullableFloatAt(i)
				if v == nil {
					continue
				}
				if near(*v, 8_008_000) {
					sawBurst = true
				}
				if packets > 1 {
					newPoints++
					if near(*v, 8000) {
						newTypical++
					}
				}
			}
		}
		if packets >= 4 {
			stopStream()
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("stream ended with an error: %v", err)
	}
	if packets < 3 {
		t.Fatalf("got %d stream packets in 8 s, want the backfill and a new one every second", packets)
	}
	if !sawBurst {
		t.Errorf("the stream's first minute does not contain the burst second")
	}
	if newPoints == 0 || newTypical < newPoints-1 {
		t.Errorf("the stream's new points: %d of %d at 8000 bit/s ± 5%%", newTypical, newPoints)
	}

	if exited, err := agent.Exited(); exited {
		t.Errorf("the agent exited during the test: %v", err)
	}
}
