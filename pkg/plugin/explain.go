package plugin

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Explained is the MetricsQL a signal or raw query turns into: what the benchmark sends
// straight to VictoriaMetrics to compare against the backend.
type Explained struct {
	Parts []RangePart // sent one after the other; the range start is aligned to the step
	Scope string      // sent as extra_filters[]
	Step  time.Duration
}

// Explain plans a query without running it. Node-scoped signals with a job are not
// supported here (their scope needs the job's nodes from VictoriaMetrics).
func Explain(s backend.DataSourceInstanceSettings, q backend.DataQuery) (Explained, error) {
	st, err := LoadSettings(s)
	if err != nil {
		return Explained{}, err
	}
	pq, err := parseQuery(q.JSON, q.QueryType)
	if err != nil {
		return Explained{}, err
	}
	d := &Datasource{st: st}
	step := chooseStep(q.TimeRange.From, q.TimeRange.To, q.MaxDataPoints, q.Interval, st.MaxPointsPerSeries)
	start, end := q.TimeRange.From.Truncate(step), q.TimeRange.To
	if pq.QueryType == queryTypeMetricsQL {
		return Explained{Parts: []RangePart{{Expr: expandMacros(pq.Expr, step, end.Sub(start)), Start: start, End: end}}, Scope: string(d.scopeFilters(pq, nil, nil)), Step: step}, nil
	}
	return Explained{Parts: d.signalParts(pq, start, end, step), Scope: string(d.scopeFilters(pq, pq.signal, nil)), Step: step}, nil
}
