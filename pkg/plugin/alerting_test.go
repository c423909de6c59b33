package plugin

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// An alert rule's query: no dashboard variables, the queryType also on the DataQuery, a
// relative range as the alert engine sends it; every series must become its own instance.
func TestAlertStyleQuery(t *testing.T) {
	f, p, pc := queryEnv(t)
	raw := `{"refId":"A","datasource":{"type":"hifreq-netmon-datasource","uid":"hifreq-vm"},"cluster":"alpha","job":` + mustJSON(jobName) +
		`,"signal":"ib_rx_bits","groupBy":"device","envelope":"max","intervalMs":1000,"maxDataPoints":43200}`
	ctx, cancel := ctxTimeout(30 * time.Second)
	defer cancel()
	resp, err := p.Client.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: pc,
		Headers:       map[string]string{"FromAlert": "true"},
		Queries: []backend.DataQuery{{RefID: "A", QueryType: "signal", JSON: json.RawMessage(raw), Interval: time.Second, MaxDataPoints: 43200,
			TimeRange: backend.TimeRange{From: f.jobEnd.Add(-5 * time.Minute), To: f.jobEnd.Add(-time.Second)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	var instances []string
	for _, fr := range r.Frames {
		if fr.Meta == nil || fr.Meta.Type != data.FrameTypeTimeSeriesWide {
			t.Fatalf("frame type %+v, want timeseries-wide", fr.Meta)
		}
		if fr.Fields[0].Type() != data.FieldTypeTime {
			t.Fatalf("first field %s, want time", fr.Fields[0].Type())
		}
		for _, vf := range fr.Fields[1:] {
			if vf.Type() != data.FieldTypeFloat64 {
				t.Fatalf("value field type %s, want float64", vf.Type())
			}
			l := vf.Labels
			for _, k := range []string{"cluster", "job_name", "node", "device", "port"} {
				if l[k] == "" {
					t.Errorf("field labels %v lack %s", l, k)
				}
			}
			last := vf.At(vf.Len() - 1).(float64)
			instances = append(instances, l["node"]+"/"+l["device"]+"="+strings.TrimRight(strings.TrimRight(fmtFloat(last), "0"), "."))
		}
	}
	sort.Strings(instances)
	want := "n1/mlx5_0=8000 n1/mlx5_1=16000 n2/mlx5_0=24000 n2/mlx5_1=32000"
	if strings.Join(instances, " ") != want {
		t.Fatalf("alert instances %v, want %s", instances, want)
	}
}

func fmtFloat(v float64) string { return strconvFormat(v) }
