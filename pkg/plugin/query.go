package plugin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// freshWindow: ranges ending this close to now bypass VictoriaMetrics' response cache.
const freshWindow = 5 * time.Minute

// QueryData answers every query on its own: a bad query gets its own error, the others still answer.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, q := range req.Queries {
		wg.Add(1)
		go func(q backend.DataQuery) {
			defer wg.Done()
			r := d.query(ctx, q)
			mu.Lock()
			resp.Responses[q.RefID] = r
			mu.Unlock()
		}(q)
	}
	wg.Wait()
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery) backend.DataResponse {
	q, err := parseQuery(dq.JSON, dq.QueryType)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	from, to := dq.TimeRange.From, dq.TimeRange.To
	if !to.After(from) {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream,
			fmt.Sprintf("the time range %s to %s is empty: pick a range whose end is after its start", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	step := chooseStep(from, to, dq.MaxDataPoints, dq.Interval, d.st.MaxPointsPerSeries)
	frames, err := d.run(ctx, q, from, to, step)
	if err != nil {
		status := backend.StatusBadGateway
		var ve *vmError
		if errors.As(err, &ve) && (ve.Status == 400 || ve.Status == 422) {
			status = backend.StatusBadRequest
		}
		return backend.ErrDataResponseWithSource(status, backend.ErrorSourceDownstream, err.Error())
	}
	return backend.DataResponse{Frames: frames}
}

// run executes a parsed query over [from, to] at step and returns its frames.
func (d *Datasource) run(ctx context.Context, q *parsedQuery, from, to time.Time, step time.Duration) (data.Frames, error) {
	if q.QueryType == queryTypeVariable {
		vals, err := d.variableValues(ctx, q.Variable, q, from, to)
		if err != nil {
			return nil, err
		}
		return variableFrame(vals), nil
	}
	from = from.Truncate(step)
	fresh := time.Since(to) < freshWindow
	var parts []RangePart
	var unit string
	var sc scope
	if q.QueryType == queryTypeMetricsQL {
		parts = []RangePart{{Expr: expandMacros(q.Expr, step, to.Sub(from)), Start: from, End: to}}
		sc = d.scopeFilters(q, nil, nil)
	} else {
		var jobNodes []string
		if q.signal.Scope == scopeNode && !q.job.any {
			nodes, err := d.jobNodes(ctx, q, from, to)
			if err != nil {
				return nil, err
			}
			if len(nodes) == 0 {
				return emptyFrame("", fmt.Sprintf("job %s ran on no node of cluster %s in this time range", q.Job, orAny(q.Cluster))), nil
			}
			jobNodes = nodes
		}
		parts = d.signalParts(q, from, to, step)
		sc = d.scopeFilters(q, q.signal, jobNodes)
		unit = q.signal.Unit
	}
	executed := parts[len(parts)-1].Expr
	if sc != "" {
		executed += "  [scope " + string(sc) + ", step " + formatStep(step) + "]"
	}
	var ss []series
	for i, p := range parts {
		capacity := int(p.End.Sub(p.Start)/step) + 1
		if i == 0 {
			capacity = int(to.Sub(from)/step) + 2 // room for the later parts: joining them does not copy
		}
		part, err := d.vm.queryRangeCap(ctx, p.Expr, sc, p.Start, p.End, step, fresh || p.Tail, capacity)
		if err != nil {
			return nil, err
		}
		ss = appendSeries(ss, part)
	}
	if len(ss) == 0 {
		return emptyFrame(executed, ""), nil
	}
	var add map[string]string
	if !q.job.any && !q.job.regex {
		add = map[string]string{"job_name": q.job.value}
	}
	f := toFrame(ss, unit, executed, add, time.Time{})
	if f == nil {
		return emptyFrame(executed, ""), nil
	}
	// The step as the time field's interval: Grafana's graph inserts a null where a step has no
	// row (a missed second with a single series), as for its own Prometheus datasource.
	f.Fields[0].Config = &data.FieldConfig{Interval: float64(step.Milliseconds())}
	return data.Frames{f}, nil
}

// jobNodes lists the nodes on which the job's pods had bound devices in [from, to].
func (d *Datasource) jobNodes(ctx context.Context, q *parsedQuery, from, to time.Time) ([]string, error) {
	match := `{__name__=~"` + jobMarkerMetric + `"` + commaFilter(q.cluster.filter(d.st.ClusterLabel)) + commaFilter(q.job.filter("job_name")) + "}"
	return d.vm.labelValues(ctx, "node", match, from, to)
}

func commaFilter(f string) string {
	if f == "" {
		return ""
	}
	return "," + f
}

func orAny(s string) string {
	if s == "" || s == "*" {
		return "any"
	}
	return s
}

// RangePart is one VictoriaMetrics range query of a plan.
type RangePart struct {
	Expr       string
	Start, End time.Time
	// Tail marks the one-point query at the range end (see signalParts); it must bypass
	// VictoriaMetrics' response cache, which would move the point to a step boundary.
	Tail bool
}

func (d *Datasource) signalParts(q *parsedQuery, from, to time.Time, step time.Duration) []RangePart {
	if step <= time.Second {
		// The gap filter runs over the whole range: a second whose sample is missing is a gap
		// in history too, not only near now (see signalExpr).
		return []RangePart{{Expr: d.signalExpr(q, step, true), Start: from, End: to}}
	}
	// Points sit on step boundaries and each covers the step before it, so the seconds after
	// the last boundary would be in no point: a burst in the newest minute of a 6 h view would
	// not show. One more point at the range end covers the last full step.
	parts := []RangePart{{Expr: d.signalExpr(q, step, false), Start: from, End: to}}
	if !to.Truncate(time.Second).Equal(to.Truncate(step)) {
		parts = append(parts, RangePart{Expr: parts[0].Expr, Start: to, End: to, Tail: true})
	}
	return parts
}

// appendSeries adds the points of later series to the series with the same labels.
func appendSeries(dst, more []series) []series {
	if len(dst) == 0 {
		return more
	}
	idx := make(map[string]int, len(dst))
	for i, s := range dst {
		idx[labelKey(s.Labels)] = i
	}
	for _, s := range more {
		if i, ok := idx[labelKey(s.Labels)]; ok {
			dst[i].Times = append(dst[i].Times, s.Times...)
			dst[i].Values = append(dst[i].Values, s.Values...)
			continue
		}
		dst = append(dst, s)
	}
	return dst
}
