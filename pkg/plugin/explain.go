package plugin

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// Explained is the MetricsQL a signal or raw query turns into: what the benchmark sends
// straight to VictoriaMetrics to compare against the backend.
type Explained struct {
	Expr  string
	Scope string // sent as extra_filters[]
	Step  time.Duration
	Start time.Time // the range start aligned to the step, as the backend sends it
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
	start := q.TimeRange.From.Truncate(step)
	if pq.QueryType == queryTypeMetricsQL {
		return Explained{Expr: expandMacros(pq.Expr, step, q.TimeRange.Duration()), Scope: string(d.scopeFilters(pq, nil, nil)), Step: step, Start: start}, nil
	}
	fresh := time.Since(q.TimeRange.To) < freshWindow
	return Explained{Expr: d.signalExpr(pq, step, fresh), Scope: string(d.scopeFilters(pq, pq.signal, nil)), Step: step, Start: start}, nil
}
