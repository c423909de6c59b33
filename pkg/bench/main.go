// Command bench measures the hifreq-netmon-datasource backend against the same MetricsQL sent
// straight to VictoriaMetrics, for a job of 16 nodes x 8 InfiniBand ports over 1 h at 1 s and
// over 7 days, and shows the one-second burst's peak with the envelope versus plain rate().
//
//	go run ./pkg/bench [-nodes 16 -ports 8 -days 7 -runs 10]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/datasourcetest"
	"google.golang.org/protobuf/proto"

	"github.com/hifreq/netmon/pkg/plugin"
)

const (
	metric   = "node_infiniband_port_data_received_bytes_total"
	burstB   = 50e9 // bytes in the single burst second: 400 Gbit/s
	baseRate = 1e9  // bytes/s of every port: 8 Gbit/s
)

func main() {
	nodes := flag.Int("nodes", 16, "nodes in the job")
	ports := flag.Int("ports", 8, "InfiniBand ports per node")
	days := flag.Int("days", 7, "days of 1 s history to load")
	runs := flag.Int("runs", 10, "measured runs per query and path")
	vmBin := flag.String("vm-bin", "/usr/bin/victoria-metrics", "VictoriaMetrics binary")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured runs to this file")
	flag.Parse()

	vm, err := startVM(*vmBin)
	if err != nil {
		log.Fatal(err)
	}
	defer vm.stop()

	end := time.Now().Truncate(time.Minute).Add(-time.Minute)
	start := end.Add(-time.Duration(*days) * 24 * time.Hour)
	burstAt := end.Add(-time.Duration(*days) * 12 * time.Hour).Add(7 * time.Second)
	series := *nodes * *ports
	t0 := time.Now()
	if err := load(vm.url, *nodes, *ports, start, end, burstAt); err != nil {
		log.Fatal(err)
	}
	if err := waitCount(vm.url, "count(last_over_time("+metric+"[1h]))", end, float64(series)); err != nil {
		log.Fatal(err)
	}
	samples := float64(series) * end.Sub(start).Seconds()
	fmt.Printf("loaded %d series x %d days at 1 s = %.0f samples in %s\n", series, *days, samples, time.Since(t0).Round(time.Second))

	tp, addr, err := servePlugin()
	if err != nil {
		log.Fatal(err)
	}
	defer tp.Shutdown()
	settings := backend.DataSourceInstanceSettings{UID: "bench", URL: vm.url, JSONData: []byte(`{}`), Updated: time.Unix(1, 0)}
	pc := backend.PluginContext{PluginID: plugin.PluginID, DataSourceInstanceSettings: &settings}
	fmt.Printf("plugin served over gRPC on %s\n\n", addr)
	inst, err := plugin.NewDatasource(context.Background(), settings)
	if err != nil {
		log.Fatal(err)
	}
	inproc := inst.(*plugin.Datasource)

	model := func(env string) json.RawMessage {
		b, _ := json.Marshal(map[string]string{"queryType": "signal", "cluster": "bench", "job": "bench-job", "signal": "ib_rx_bits", "groupBy": "device", "envelope": env})
		return b
	}
	cases := []struct {
		name     string
		from, to time.Time
		mdp      int64
	}{
		{"1h at 1s", end.Add(-time.Hour), end, 3600},
		{fmt.Sprintf("%dd envelope", *days), start, end, 1500},
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("%-12s %6s %8s | %11s %11s %11s | %10s %10s | %9s %9s\n", "query", "step", "points", "direct p50", "in-proc p50", "gRPC p50",
		"direct B", "gRPC B", "in-proc", "gRPC")
	fmt.Printf("%-12s %6s %8s | %11s %11s %11s | %10s %10s | %19s\n", "", "", "", "", "", "", "", "", "overhead vs direct")
	var weekResp, hourResp *backend.QueryDataResponse
	var weekPlan plugin.Explained
	for ci, c := range cases {
		dq := backend.DataQuery{RefID: "A", JSON: model("max"), TimeRange: backend.TimeRange{From: c.from, To: c.to}, MaxDataPoints: c.mdp}
		plan, err := plugin.Explain(settings, dq)
		if err != nil {
			log.Fatal(err)
		}
		var bt, dt, it, et, ut, rt, tt []time.Duration
		var bBytes, dBytes, points int
		for i := 0; i <= *runs; i++ {
			t1 := time.Now()
			resp, err := tp.Client.QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pc, Queries: []backend.DataQuery{dq}})
			el := time.Since(t1)
			if err != nil || resp.Responses["A"].Error != nil {
				log.Fatalf("backend query %s: %v %v", c.name, err, resp.Responses["A"].Error)
			}
			// Outside the timed run: what the Arrow encoding (plugin side) and decoding (Grafana side)
			// of this answer cost on their own.
			t4 := time.Now()
			pr, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, resp)
			eEl := time.Since(t4)
			if err != nil {
				log.Fatal(err)
			}
			t5 := time.Now()
			if _, err := backend.FromProto().QueryDataResponse(pr); err != nil {
				log.Fatal(err)
			}
			uEl := time.Since(t5)
			bBytes = proto.Size(pr)
			points = 0
			for _, f := range resp.Responses["A"].Frames {
				points += f.Rows() * (len(f.Fields) - 1)
			}
			t2 := time.Now()
			n, _, err := direct(http.DefaultClient, vm.url, plan)
			dEl := time.Since(t2)
			if err != nil {
				log.Fatal(err)
			}
			dBytes = n
			t3 := time.Now()
			ir, err := inproc.QueryData(context.Background(), &backend.QueryDataRequest{PluginContext: pc, Queries: []backend.DataQuery{dq}})
			iEl := time.Since(t3)
			if err != nil || ir.Responses["A"].Error != nil {
				log.Fatalf("in-process query %s: %v %v", c.name, err, ir.Responses["A"].Error)
			}
			// The same MetricsQL without gzip, as the backend asks for it (after the other paths,
			// so their order and the direct figure are as before).
			t6 := time.Now()
			_, partEls, err := direct(rawClient, vm.url, plan)
			rEl := time.Since(t6)
			if err != nil {
				log.Fatal(err)
			}
			if i > 0 { // the first run warms every path
				bt, dt, it = append(bt, el), append(dt, dEl), append(it, iEl)
				et, ut, rt = append(et, eEl), append(ut, uEl), append(rt, rEl)
				if len(partEls) > 1 {
					tt = append(tt, partEls[len(partEls)-1])
				}
			}
			weekResp = resp
		}
		if ci == 0 {
			hourResp = weekResp
		}
		weekPlan = plan
		bm, dm, im := median(bt), median(dt), median(it)
		r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
		fmt.Printf("%-12s %6s %8d | %11s %11s %11s | %10d %10d | %+8.1f%% %+8.1f%%\n", c.name, plan.Step, points, r(dm), r(im), r(bm),
			dBytes, bBytes, 100*(float64(im)-float64(dm))/float64(dm), 100*(float64(bm)-float64(dm))/float64(dm))
		fmt.Printf("%-12s   gRPC minus in-process %s; of it Arrow encoding %s, decoding %s (p50, timed apart)\n", "",
			r(bm-im), r(median(et)), r(median(ut)))
		rm := median(rt)
		fmt.Printf("%-12s   direct without gzip (as the backend asks) p50 %s: overhead in-process %+.1f%%, gRPC %+.1f%%\n", "",
			r(rm), 100*(float64(im)-float64(rm))/float64(rm), 100*(float64(bm)-float64(rm))/float64(rm))
		if len(tt) > 0 {
			fmt.Printf("%-12s   of the plan's %d parts (sent one after the other) the last took p50 %s\n", "", len(plan.Parts), r(median(tt)))
		}
	}

	pe, pd := arrowCost(hourResp, *runs)
	ne, nd := arrowCost(nullableCopy(hourResp), *runs)
	fmt.Printf("\nArrow encoding + decoding of the %s answer, p50: plain float64 fields %s + %s, the same values in nullable fields %s + %s\n",
		cases[0].name, pe.Round(100*time.Microsecond), pd.Round(100*time.Microsecond), ne.Round(100*time.Microsecond), nd.Round(100*time.Microsecond))

	truePeak := (burstB + baseRate + wobble(burstAt, *nodes/2, 0)) * 8
	envPeak := math.Inf(-1)
	for _, f := range weekResp.Responses["A"].Frames {
		for _, vf := range f.Fields[1:] {
			for i := 0; i < vf.Len(); i++ {
				if v, ok := vf.ConcreteAt(i); ok {
					envPeak = math.Max(envPeak, v.(float64))
				}
			}
		}
	}
	ratePeak, err := maxOf(vm.url, fmt.Sprintf("max(rate(%s[%s])) * 8", metric, stepStr(weekPlan.Step)), weekPlan)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\none-second burst of %.0f Gbit/s in %d days, step %s:\n", truePeak/1e9, *days, weekPlan.Step)
	fmt.Printf("  envelope (max)  %8.2f Gbit/s = %6.2f%% of the true peak\n", envPeak/1e9, 100*envPeak/truePeak)
	fmt.Printf("  plain rate()    %8.2f Gbit/s = %6.2f%% of the true peak\n", ratePeak/1e9, 100*ratePeak/truePeak)
}

// load writes one counter per port: baseRate bytes/s with a small per-second wobble, plus one burst second.
func load(vmURL string, nodes, ports int, start, end, burstAt time.Time) error {
	type job struct{ lines []importLine }
	jobs := make(chan job, 2)
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		go func() {
			for j := range jobs {
				if err := importLines(vmURL, j.lines); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	total := nodes * ports
	done := 0
	for n := 0; n < nodes; n++ {
		for p := 0; p < ports; p++ {
			labels := map[string]string{"__name__": metric, "cluster": "bench", "job_name": "bench-job", "namespace": "train",
				"pod": fmt.Sprintf("w-%02d", n), "node": fmt.Sprintf("node-%02d", n), "device": fmt.Sprintf("mlx5_%d", p), "port": "1"}
			v := 0.0
			burst := n == nodes/2 && p == 0
			for day := start; day.Before(end); day = day.Add(24 * time.Hour) {
				l := importLine{Metric: labels}
				for t := day; t.Before(end) && t.Before(day.Add(24*time.Hour)); t = t.Add(time.Second) {
					v += baseRate + wobble(t, n, p)
					if burst && t.Equal(burstAt) {
						v += burstB
					}
					l.Timestamps = append(l.Timestamps, t.UnixMilli())
					l.Values = append(l.Values, v)
				}
				jobs <- job{[]importLine{l}}
			}
			done++
			if done%(total/8+1) == 0 {
				fmt.Printf("  loading: %d/%d series\n", done, total)
			}
		}
	}
	close(jobs)
	for w := 0; w < 2; w++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// wobble varies each port's per-second traffic a little, like real counters.
func wobble(t time.Time, node, port int) float64 {
	return float64((t.Unix()*7919+int64(node*31+port))%1000) * 1e4
}

func servePlugin() (datasourcetest.TestPlugin, string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return datasourcetest.TestPlugin{}, "", err
	}
	addr := l.Addr().String()
	l.Close()
	tp, err := datasourcetest.Manage(plugin.NewDatasource, datasourcetest.ManageOpts{Address: addr})
	return tp, addr, err
}

func planArgs(plan plugin.Explained, part plugin.RangePart) url.Values {
	args := url.Values{"query": {part.Expr}, "start": {strconv.FormatInt(part.Start.Unix(), 10)}, "end": {strconv.FormatInt(part.End.Unix(), 10)},
		"step": {stepStr(plan.Step)}, "nocache": {"1"}}
	if plan.Scope != "" {
		args.Set("extra_filters[]", plan.Scope)
	}
	return args
}

// rawClient asks VictoriaMetrics for uncompressed answers, as the backend does; Go's default
// client asks for gzip.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// direct sends the backend's own MetricsQL (each part of its plan) straight to VictoriaMetrics
// and returns the bytes of the bodies and the time of each part.
func direct(client *http.Client, vmURL string, plan plugin.Explained) (int, []time.Duration, error) {
	total := 0
	var els []time.Duration
	for _, part := range plan.Parts {
		t := time.Now()
		resp, err := client.Get(vmURL + "/api/v1/query_range?" + planArgs(plan, part).Encode())
		if err != nil {
			return 0, nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, nil, err
		}
		if resp.StatusCode != 200 {
			return 0, nil, fmt.Errorf("direct query: HTTP %d: %s", resp.StatusCode, b)
		}
		total += len(b)
		els = append(els, time.Since(t))
	}
	return total, els, nil
}

func maxOf(vmURL, expr string, plan plugin.Explained) (float64, error) {
	part := plan.Parts[0]
	part.Expr, part.End = expr, plan.Parts[len(plan.Parts)-1].End
	resp, err := http.Get(vmURL + "/api/v1/query_range?" + planArgs(plan, part).Encode())
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return 0, err
	}
	mx := math.Inf(-1)
	for _, s := range r.Data.Result {
		for _, v := range s.Values {
			f, _ := strconv.ParseFloat(v[1].(string), 64)
			mx = math.Max(mx, f)
		}
	}
	return mx, nil
}

// arrowCost returns the median time of the SDK's Arrow encoding (plugin side) and decoding
// (Grafana side) of a response.
func arrowCost(resp *backend.QueryDataResponse, runs int) (time.Duration, time.Duration) {
	var enc, dec []time.Duration
	for i := 0; i < runs; i++ {
		t := time.Now()
		pr, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, resp)
		enc = append(enc, time.Since(t))
		if err != nil {
			log.Fatal(err)
		}
		t = time.Now()
		if _, err := backend.FromProto().QueryDataResponse(pr); err != nil {
			log.Fatal(err)
		}
		dec = append(dec, time.Since(t))
	}
	return median(enc), median(dec)
}

// nullableCopy returns the response with every value field turned into a nullable one.
func nullableCopy(resp *backend.QueryDataResponse) *backend.QueryDataResponse {
	out := backend.NewQueryDataResponse()
	for ref, r := range resp.Responses {
		var frames data.Frames
		for _, f := range r.Frames {
			nf := data.NewFrame(f.Name, f.Fields[0])
			nf.Meta = f.Meta
			for _, vf := range f.Fields[1:] {
				vals := make([]*float64, vf.Len())
				for i := range vals {
					if v, ok := vf.ConcreteAt(i); ok {
						x := v.(float64)
						vals[i] = &x
					}
				}
				nv := data.NewField(vf.Name, vf.Labels, vals)
				nv.Config = vf.Config
				nf.Fields = append(nf.Fields, nv)
			}
			frames = append(frames, nf)
		}
		out.Responses[ref] = backend.DataResponse{Frames: frames}
	}
	return out
}

func stepStr(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) + "s" }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
