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
	var expr, unit string
	var sc scope
	if q.QueryType == queryTypeMetricsQL {
		expr = expandMacros(q.Expr, step, to.Sub(from))
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
		expr = d.signalExpr(q, step, fresh)
		sc = d.scopeFilters(q, q.signal, jobNodes)
		unit = q.signal.Unit
	}
	executed := expr
	if sc != "" {
		executed += "  [scope " + string(sc) + ", step " + formatStep(step) + "]"
	}
	ss, err := d.vm.queryRange(ctx, expr, sc, from, to, step, fresh)
	if err != nil {
		return nil, err
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
