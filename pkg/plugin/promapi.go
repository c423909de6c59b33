package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"
)

// series is one time series of a range or instant answer.
type series struct {
	Labels map[string]string
	Times  []int64 // Unix milliseconds
	Values []float64
}

// scope is the label filter that VictoriaMetrics ANDs into every selector of a query.
// It is built by the backend only; clients never supply extra_filters.
type scope string

func (s scope) apply(args url.Values) {
	if s != "" && s != "{}" {
		args.Set("extra_filters[]", string(s))
	}
}

func (c *vmClient) queryRange(ctx context.Context, expr string, sc scope, start, end time.Time, step time.Duration, fresh bool) ([]series, error) {
	return c.queryRangeCap(ctx, expr, sc, start, end, step, fresh, int(end.Sub(start)/step)+1)
}

// queryRangeCap is queryRange with room for capacity points per series (a plan's first part
// leaves room for the parts joined to it).
func (c *vmClient) queryRangeCap(ctx context.Context, expr string, sc scope, start, end time.Time, step time.Duration, fresh bool, capacity int) ([]series, error) {
	args := url.Values{}
	args.Set("query", expr)
	args.Set("start", formatTime(start))
	args.Set("end", formatTime(end))
	args.Set("step", formatStep(step))
	if fresh {
		args.Set("nocache", "1")
	}
	sc.apply(args)
	return c.decodeMatrix(ctx, "/api/v1/query_range", args, capacity)
}

func (c *vmClient) queryInstant(ctx context.Context, expr string, sc scope, at time.Time) ([]series, error) {
	args := url.Values{}
	args.Set("query", expr)
	args.Set("time", formatTime(at))
	args.Set("nocache", "1")
	sc.apply(args)
	return c.decodeMatrix(ctx, "/api/v1/query", args, 1)
}

func (c *vmClient) decodeMatrix(ctx context.Context, path string, args url.Values, pointsHint int) ([]series, error) {
	if pointsHint > 100000 {
		pointsHint = 100000
	}
	var out []series
	err := c.do(ctx, c.st.QueryURL, path, args, func(r io.Reader) error {
		var err error
		out, err = parseMatrixFrom(r, pointsHint)
		var re *readError
		switch {
		case errors.As(err, &re):
			return fmt.Errorf("reading the answer of %s%s failed: %v", c.st.QueryURL, path, re)
		case err != nil:
			return fmt.Errorf("VictoriaMetrics at %s%s answered something that is not Prometheus API JSON: %v", c.st.QueryURL, path, err)
		}
		return nil
	})
	return out, err
}

// labelValues lists the values of a label among series matching match in [start, end].
func (c *vmClient) labelValues(ctx context.Context, label, match string, start, end time.Time) ([]string, error) {
	args := url.Values{}
	if match != "" {
		args.Set("match[]", match)
	}
	args.Set("start", formatTime(start))
	args.Set("end", formatTime(end))
	body, err := c.get(ctx, c.st.QueryURL, "/api/v1/label/"+url.PathEscape(label)+"/values", args)
	if err != nil {
		return nil, err
	}
	var r struct {
		Data []string `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("VictoriaMetrics answered label values that are not JSON: %v", err)
	}
	if r.Data == nil {
		r.Data = []string{}
	}
	return r.Data, nil
}

// seriesLabels lists the label sets of series matching match in [start, end].
func (c *vmClient) seriesLabels(ctx context.Context, match string, start, end time.Time) ([]map[string]string, error) {
	args := url.Values{}
	args.Set("match[]", match)
	args.Set("start", formatTime(start))
	args.Set("end", formatTime(end))
	body, err := c.get(ctx, c.st.QueryURL, "/api/v1/series", args)
	if err != nil {
		return nil, err
	}
	var r struct {
		Data []map[string]string `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("VictoriaMetrics answered a series list that is not JSON: %v", err)
	}
	return r.Data, nil
}

func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func formatStep(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}
