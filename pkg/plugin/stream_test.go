package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// liveWriter writes one sample per wall-clock second of a 1000 B/s IB counter per label set
// (all of one cluster) until stopped, like agents pushing a running job.
type liveWriter struct {
	stop chan struct{}
	done chan struct{}
	err  error
	last time.Time // the last sample written; read after close
}

func startLiveWriter(vm *testVM, sets ...map[string]string) (*liveWriter, error) {
	t0 := time.Now().Truncate(time.Second).Add(-30 * time.Second)
	value := func(t time.Time) float64 { return float64(t.Sub(t0)/time.Second) * 1000 }
	lines := func(from, to time.Time) []importLine {
		var out []importLine
		for _, labels := range sets {
			l := importLine{Metric: labels}
			for t := from; !t.After(to); t = t.Add(time.Second) {
				l.Timestamps = append(l.Timestamps, t.UnixMilli())
				l.Values = append(l.Values, value(t))
			}
			out = append(out, l)
		}
		return out
	}
	now := time.Now().Truncate(time.Second)
	if err := vm.importSeries(lines(t0, now)); err != nil {
		return nil, err
	}
	sel := fmt.Sprintf(`node_infiniband_port_data_received_bytes_total{cluster=%q}`, sets[0]["cluster"])
	if err := vm.waitQuery(`count(`+sel+`)`, now, float64(len(sets))); err != nil {
		return nil, err
	}
	w := &liveWriter{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		last := now
		defer func() { w.last = last; close(w.done) }()
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(time.Until(last.Add(time.Second))):
			}
			cur := time.Now().Truncate(time.Second)
			if cur.After(last) {
				if err := vm.importSeries(lines(last.Add(time.Second), cur)); err != nil {
					w.err = err
					return
				}
				last = cur
			}
		}
	}()
	// A brand-new series' newest samples stay hidden for up to ~10 s on 1.79.5; wait for the
	// steady state, where a sample is searchable about 1 s after it was written.
	deadline := time.Now().Add(40 * time.Second)
	for {
		ss, err := newVMClient(Settings{QueryURL: vm.URL, Timeout: 10 * time.Second, MaxConcurrentQueries: 1}).queryInstant(context.Background(),
			`tlast_over_time(`+sel+`[1m])`, "", time.Now())
		fresh := err == nil && len(ss) == len(sets)
		for _, s := range ss {
			fresh = fresh && time.Since(time.UnixMilli(int64(s.Values[0]*1000))) < 2500*time.Millisecond
		}
		if fresh {
			return w, nil
		}
		if time.Now().After(deadline) {
			w.close()
			return nil, fmt.Errorf("the live series' newest samples did not become searchable within 40s: %v %v", ss, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (w *liveWriter) close() { close(w.stop); <-w.done }

// liveChannelPath is what Grafana Live accepts in a channel's path part.
var liveChannelPath = regexp.MustCompile(`^[A-Za-z0-9_\-/=.]*$`)

var liveLabels = map[string]string{"__name__": "node_infiniband_port_data_received_bytes_total", "cluster": "live", "job_name": "live/job 1",
	"node": "l1", "device": "mlx5_0", "port": "1", "namespace": "train", "pod": "l-0"}

// The stream over real gRPC: Grafana's side of Live is a pluginv2 stream client.
func TestStreamOverGRPC(t *testing.T) {
	f, p, pc := queryEnv(t)
	w, err := startLiveWriter(f.vm, liveLabels)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		select {
		case <-w.done:
		default:
			w.close()
		}
	}()

	conn, err := grpc.NewClient(p.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc := pluginv2.NewStreamClient(conn)
	ppc := backend.ToProto().PluginContext(pc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	path := StreamPath("live", "live/job 1", "ib_rx_bits")
	if path != "signal/live/live=2Fjob=201/ib_rx_bits" || !liveChannelPath.MatchString(path) {
		t.Fatalf("path %s is not a valid Grafana Live channel path", path)
	}
	sub, err := sc.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: ppc, Path: path})
	if err != nil || sub.Status != pluginv2.SubscribeStreamResponse_OK {
		t.Fatalf("subscribe: %v %v", sub, err)
	}
	for _, bad := range []string{"signal/live/job/no_such_signal", "signal/live/job", "metrics/live/job/ib_rx_bits", "signal/live/a=Z/ib_rx_bits", "signal/live/a=4/ib_rx_bits", "signal/live/=2Fa(=2F/ib_rx_bits"} {
		sub, err := sc.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{PluginContext: ppc, Path: bad})
		if err != nil || sub.Status != pluginv2.SubscribeStreamResponse_NOT_FOUND {
			t.Errorf("subscribe %s: %v %v, want NOT_FOUND", bad, sub, err)
		}
	}
	pub, err := sc.PublishStream(ctx, &pluginv2.PublishStreamRequest{PluginContext: ppc, Path: path, Data: []byte(`{}`)})
	if err != nil || pub.Status != pluginv2.PublishStreamResponse_PERMISSION_DENIED {
		t.Errorf("publish: %v %v, want PERMISSION_DENIED", pub, err)
	}

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	rs, err := sc.RunStream(runCtx, &pluginv2.RunStreamRequest{PluginContext: ppc, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var lastT time.Time
	for i := 0; i < 5; i++ {
		pkt, err := rs.Recv()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		var fr data.Frame
		if err := json.Unmarshal(pkt.Data, &fr); err != nil {
			t.Fatalf("packet %d is not a frame: %v", i, err)
		}
		if len(fr.Fields) != 2 {
			t.Fatalf("packet %d: %d fields, want time and one series", i, len(fr.Fields))
		}
		if c := fr.Fields[0].Config; c == nil || c.Interval != 1000 {
			t.Fatalf("packet %d: time field config %+v, want interval 1000 ms (a missed second is drawn as a gap)", i, c)
		}
		want := "cluster=live, device=mlx5_0, job_name=live/job 1, node=l1, port=1"
		if got := fr.Fields[1].Labels.String(); got != want {
			t.Fatalf("packet %d labels %s, want %s", i, got, want)
		}
		for r := 0; r < fr.Fields[0].Len(); r++ {
			ts := fr.Fields[0].At(r).(time.Time)
			if !lastT.IsZero() && !ts.Equal(lastT.Add(time.Second)) {
				t.Fatalf("packet %d row %d at %s does not follow %s by one second", i, r, ts, lastT)
			}
			lastT = ts
			v, ok := fr.Fields[1].ConcreteAt(r)
			if !ok || v.(float64) != 8000 {
				t.Fatalf("packet %d row %d value %v, want 8000 bits/s", i, r, v)
			}
		}
		if i == 0 && fr.Fields[0].Len() < 20 {
			t.Fatalf("first packet has %d rows; a new subscriber gets the last minute", fr.Fields[0].Len())
		}
		t.Logf("packet %d: %d rows, last %s, now %s", i, fr.Fields[0].Len(), lastT.Format("15:04:05.000"), time.Now().Format("15:04:05.000"))
		if i > 0 && fr.Fields[0].Len() > 3 {
			t.Fatalf("packet %d has %d rows; a packet a second should carry about one new point", i, fr.Fields[0].Len())
		}
	}
	if w.err != nil {
		t.Fatal(w.err)
	}

	// The agent stops (or lags): a range ending now must not repeat its last rate into the
	// seconds that have no samples. The point at a second is the rate of the interval ending
	// with the sample read at that second, so the last sample's second is the last point; from
	// last+1s on there is nothing.
	w.close()
	for time.Since(w.last) < 6*time.Second {
		time.Sleep(200 * time.Millisecond)
	}
	// 35 s: the last 30 s carry the freshness filter, the rest is a second query; the two join
	// without a gap or a repeated second.
	resp := runQueries(t, p, pc, testQuery{ref: "A", json: jq("cluster", "live", "job", "live/job 1", "signal", "ib_rx_bits"),
		from: w.last.Add(-35 * time.Second), to: time.Now().Truncate(time.Second)})
	got := seriesOf(t, resp.Responses["A"], w.last)
	k := "cluster=live, device=mlx5_0, job_name=live/job 1, node=l1, port=1"
	if fr := resp.Responses["A"].Frames[0]; fr.Fields[0].Len() != 36 {
		t.Fatalf("after the writer stopped: %d rows, want the 36 points from -35s to the last sample and nothing after: %v", fr.Fields[0].Len(), got)
	}
	for s := int64(-35); s <= 0; s++ {
		if got[k][s] != 8000 {
			t.Errorf("at %+ds before the last sample: %v, want 8000", s, got[k][s])
		}
	}
}

type packetSink struct {
	mu      sync.Mutex
	packets int
	got     chan struct{}
}

func (s *packetSink) Send(*backend.StreamPacket) error {
	s.mu.Lock()
	s.packets++
	s.mu.Unlock()
	select {
	case s.got <- struct{}{}:
	default:
	}
	return nil
}

// fixtureDatasource is an in-process datasource on the shared fixture's VictoriaMetrics.
func fixtureDatasource(t *testing.T) *Datasource {
	t.Helper()
	f, err := loadFixture()
	if err != nil {
		t.Fatal(err)
	}
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{URL: f.vm.URL})
	if err != nil {
		t.Fatal(err)
	}
	return inst.(*Datasource)
}

// In-process: unsubscribing (context cancelled) and Dispose both end RunStream; nothing keeps running.
func TestStreamStopsOnCancelAndDispose(t *testing.T) {
	d := fixtureDatasource(t)
	path := StreamPath("alpha", jobName, "tcp_retrans")
	run := func(ctx context.Context) (chan error, *packetSink) {
		sink := &packetSink{got: make(chan struct{}, 1)}
		done := make(chan error, 1)
		go func() { done <- d.RunStream(ctx, &backend.RunStreamRequest{Path: path}, backend.NewStreamSender(sink)) }()
		return done, sink
	}
	waitRunning := func(n int) {
		for i := 0; i < 100 && d.streams.running() != n; i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if got := d.streams.running(); got != n {
			t.Fatalf("%d streams running, want %d", got, n)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done, _ := run(ctx)
	waitRunning(1)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("RunStream after unsubscribe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunStream did not return after its context was cancelled")
	}
	waitRunning(0)

	done1, _ := run(context.Background())
	done2, _ := run(context.Background())
	waitRunning(2)
	d.Dispose()
	for _, dn := range []chan error{done1, done2} {
		select {
		case err := <-dn:
			if err != nil {
				t.Fatalf("RunStream after Dispose: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("RunStream did not return after Dispose")
		}
	}
	waitRunning(0)
}

// frameSink decodes the frames a stream sends.
type frameSink struct {
	mu     sync.Mutex
	frames []*data.Frame
	got    chan struct{}
}

func newFrameSink() *frameSink { return &frameSink{got: make(chan struct{}, 100)} }

func (s *frameSink) Send(p *backend.StreamPacket) error {
	var f data.Frame
	if err := json.Unmarshal(p.Data, &f); err != nil {
		return err
	}
	s.mu.Lock()
	s.frames = append(s.frames, &f)
	s.mu.Unlock()
	s.got <- struct{}{}
	return nil
}

// next waits for the next frame.
func (s *frameSink) next(t *testing.T, within time.Duration) *data.Frame {
	t.Helper()
	select {
	case <-s.got:
	case <-time.After(within):
		t.Fatalf("no frame within %s", within)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames[len(s.frames)-1]
}

func (s *frameSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.frames)
}

// runStream runs RunStream in-process on path until the test ends.
func runStream(t *testing.T, d *Datasource, path string) *frameSink {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sink := newFrameSink()
	done := make(chan error, 1)
	go func() { done <- d.RunStream(ctx, &backend.RunStreamRequest{Path: path}, backend.NewStreamSender(sink)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunStream %s: %v", path, err)
		}
	})
	return sink
}

func TestStreamPathRoundTrip(t *testing.T) {
	cases := []struct {
		q    QueryModel
		want string
	}{
		// Without node, device and groupBy the path keeps its four components (older frontends).
		{QueryModel{Cluster: "a", Job: "j", Signal: "ib_rx_bits"}, "signal/a/j/ib_rx_bits"},
		{QueryModel{Cluster: "a", Job: "j", Signal: "ib_rx_bits", Node: "gpu-1"}, "signal/a/j/ib_rx_bits/gpu-1/=2A/=2A"},
		{QueryModel{Cluster: "a", Job: `llama "v2"`, Signal: "nic_drops", Node: "/n1|n2/", Device: "eth0", GroupBy: "device"},
			"signal/a/llama=20=22v2=22/nic_drops/=2Fn1=7Cn2=2F/eth0/device"},
		{QueryModel{Signal: "ib_rx_bits", Device: `mlx5_0|mlx5\.1`, GroupBy: "node"}, "signal/=2A/=2A/ib_rx_bits/=2A/mlx5_0=7Cmlx5=5C.1/node"},
		{QueryModel{Cluster: "ü", Job: "a=b", Signal: "tcp_states", GroupBy: "job"}, "signal/=C3=BC/a=3Db/tcp_states/=2A/=2A/job"},
	}
	for _, c := range cases {
		got := StreamPathOf(c.q)
		if got != c.want || !liveChannelPath.MatchString(got) {
			t.Errorf("StreamPathOf(%+v) = %s, want %s", c.q, got, c.want)
			continue
		}
		q, err := parseStreamPath(got)
		if err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		star := func(s string) string {
			if s == "" {
				return "*"
			}
			return s
		}
		wantGroup := c.q.GroupBy
		if wantGroup == "" {
			wantGroup = signalByID[c.q.Signal].DefaultGroupBy
		}
		if q.Cluster != star(c.q.Cluster) || q.Job != star(c.q.Job) || q.Signal != c.q.Signal || q.GroupBy != wantGroup ||
			(got != "signal/a/j/ib_rx_bits" && (q.Node != star(c.q.Node) || q.Device != star(c.q.Device))) {
			t.Errorf("%s parsed to %+v", got, q.QueryModel)
		}
	}
	for path, want := range map[string]string{
		"signal/a/j/ib_rx_bits/n1":             `stream path "signal/a/j/ib_rx_bits/n1" is not signal/<cluster>/<job>/<signal> or signal/<cluster>/<job>/<signal>/<node>/<device>/<groupBy>`,
		"signal/a/j/ib_rx_bits/n1/d/pod/x":     `stream path "signal/a/j/ib_rx_bits/n1/d/pod/x" is not signal/<cluster>/<job>/<signal> or signal/<cluster>/<job>/<signal>/<node>/<device>/<groupBy>`,
		"signal/a/j/tcp_retrans/=2A/=2A/pod":   `stream path "signal/a/j/tcp_retrans/=2A/=2A/pod": signal tcp_retrans cannot be grouped by "pod": use one of node, job`,
		"signal/a/j/tcp_retrans/=2A/eth0/=2A":  `stream path "signal/a/j/tcp_retrans/=2A/eth0/=2A": signal tcp_retrans has no devices (it is per node): clear the device filter`,
		"signal/a/j/ib_rx_bits/=2Fa(=2F/d/=2A": `stream path "signal/a/j/ib_rx_bits/=2Fa(=2F/d/=2A": node: the regex "/a(/" does not compile: missing closing ): ` + "`^(?:a()$`" + `; escape regex characters or pass the exact value without slashes`,
	} {
		if _, err := parseStreamPath(path); err == nil || err.Error() != want {
			t.Errorf("%s: %v\nwant %s", path, err, want)
		}
	}
}

// A stream with node, device and groupBy in its path sends only the matching series, grouped so.
func TestStreamFilteredByNodeAndDevice(t *testing.T) {
	vm, err := startVM(freshFlags...)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.stop()
	var sets []map[string]string
	for _, n := range []string{"f1", "f2"} {
		for _, dev := range []string{"mlx5_0", "mlx5_1"} {
			sets = append(sets, map[string]string{"__name__": "node_infiniband_port_data_received_bytes_total", "cluster": "filtered", "job_name": "fj",
				"node": n, "device": dev, "port": "1", "namespace": "train", "pod": "p-" + n})
		}
	}
	w, err := startLiveWriter(vm, sets...)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{URL: vm.URL})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)
	defer d.Dispose()

	cases := []struct {
		q    QueryModel
		want []string // labels of the value fields, each at 8000 bit/s per series summed
		vals []float64
	}{
		{QueryModel{Cluster: "filtered", Job: "fj", Signal: "ib_rx_bits", Node: "f2", GroupBy: "device"},
			[]string{"cluster=filtered, device=mlx5_0, job_name=fj, node=f2, port=1", "cluster=filtered, device=mlx5_1, job_name=fj, node=f2, port=1"}, []float64{8000, 8000}},
		{QueryModel{Cluster: "filtered", Job: "fj", Signal: "ib_rx_bits", Device: "mlx5_1", GroupBy: "node"},
			[]string{"cluster=filtered, job_name=fj, node=f1", "cluster=filtered, job_name=fj, node=f2"}, []float64{8000, 8000}},
		{QueryModel{Cluster: "filtered", Job: "fj", Signal: "ib_rx_bits", Node: "f1", Device: "mlx5_0"},
			[]string{"cluster=filtered, device=mlx5_0, job_name=fj, node=f1, port=1"}, []float64{8000}},
		// The old four-component path: every node and device, the signal's default grouping (device).
		{QueryModel{Cluster: "filtered", Job: "fj", Signal: "ib_rx_bits"},
			[]string{"cluster=filtered, device=mlx5_0, job_name=fj, node=f1, port=1", "cluster=filtered, device=mlx5_0, job_name=fj, node=f2, port=1",
				"cluster=filtered, device=mlx5_1, job_name=fj, node=f1, port=1", "cluster=filtered, device=mlx5_1, job_name=fj, node=f2, port=1"}, []float64{8000, 8000, 8000, 8000}},
		{QueryModel{Cluster: "filtered", Job: "fj", Signal: "ib_rx_bits", GroupBy: "job"},
			[]string{"cluster=filtered, job_name=fj"}, []float64{32000}},
	}
	for _, c := range cases {
		path := StreamPathOf(c.q)
		sink := runStream(t, d, path)
		for i := 0; i < 2; i++ { // the backfill, then a new second
			fr := sink.next(t, 15*time.Second)
			var got []string
			for _, f := range fr.Fields[1:] {
				got = append(got, f.Labels.String())
			}
			if strings.Join(got, " | ") != strings.Join(c.want, " | ") {
				t.Fatalf("%s frame %d: series %v, want %v", path, i, got, c.want)
			}
			for j, f := range fr.Fields[1:] {
				for r := 0; r < f.Len(); r++ {
					if v, ok := f.ConcreteAt(r); !ok || v.(float64) != c.vals[j] {
						t.Fatalf("%s frame %d %s row %d: %v, want %v", path, i, got[j], r, v, c.vals[j])
					}
				}
			}
			if i == 0 && fr.Rows() < 20 {
				t.Fatalf("%s: first frame has %d rows; a new subscriber gets the last minute", path, fr.Rows())
			}
		}
	}
}

// A stream whose last minute is empty sends one frame with the data frames' schema and no rows
// at once, so the panel shows "No data" instead of loading; then nothing until data arrives.
func TestStreamSendsAnEmptyFirstFrame(t *testing.T) {
	d := fixtureDatasource(t)
	defer d.Dispose()
	for _, path := range []string{StreamPath("alpha", "other-job", "ib_rx_bits"), StreamPath("alpha", "other-job", "tcp_retrans")} {
		start := time.Now()
		sink := runStream(t, d, path)
		fr := sink.next(t, 5*time.Second)
		if time.Since(start) > 3*time.Second {
			t.Errorf("%s: the empty frame came after %s, want at once", path, time.Since(start))
		}
		sig, _ := parseStreamPath(path)
		if len(fr.Fields) != 2 || fr.Fields[0].Name != "time" || fr.Fields[0].Type() != data.FieldTypeTime || fr.Fields[1].Name != "value" ||
			fr.Fields[1].Type() != data.FieldTypeFloat64 || fr.Rows() != 0 || fr.Fields[1].Config == nil || fr.Fields[1].Config.Unit != sig.signal.Unit {
			t.Fatalf("%s: first frame %+v, want time and value (%s) fields with no rows", path, fr.Fields, sig.signal.Unit)
		}
		if c := fr.Fields[0].Config; c == nil || c.Interval != 1000 {
			t.Errorf("%s: time field config %+v, want interval 1000 ms", path, c)
		}
		want := "No " + sig.Signal + " data in the last minute: new seconds appear as they arrive"
		if fr.Meta == nil || fr.Meta.Type != data.FrameTypeTimeSeriesWide || len(fr.Meta.Notices) != 1 || fr.Meta.Notices[0].Text != want {
			t.Fatalf("%s: meta %+v, want a wide time series with the notice %q", path, fr.Meta, want)
		}
		time.Sleep(2500 * time.Millisecond)
		if n := sink.count(); n != 1 {
			t.Fatalf("%s: %d frames, want the one empty frame while there is no data", path, n)
		}
	}
}
