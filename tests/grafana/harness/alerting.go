package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// This file evaluates Grafana-managed alert rules from file provisioning the way Grafana's rule
// evaluator does, for the expression types the HiFreq rules use: the datasource queries go to the
// real plugin over gRPC (with Grafana's alerting headers and time range), and the server-side
// expressions "reduce" and "threshold" are computed here. Any other expression type is an error
// that names it, so an unsupported rule can never pass by accident.

// AlertQuery is one entry of a rule's data.
type AlertQuery struct {
	RefID             string `json:"refId"`
	QueryType         string `json:"queryType"`
	RelativeTimeRange struct {
		From int64 `json:"from"` // seconds before now
		To   int64 `json:"to"`
	} `json:"relativeTimeRange"`
	DatasourceUID string          `json:"datasourceUid"`
	Model         json.RawMessage `json:"model"`
}

// AlertRule is one rule of a provisioned group.
type AlertRule struct {
	UID          string            `json:"uid"`
	Title        string            `json:"title"`
	Condition    string            `json:"condition"`
	Data         []AlertQuery      `json:"data"`
	NoDataState  string            `json:"noDataState"`
	ExecErrState string            `json:"execErrState"`
	For          string            `json:"for"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	IsPaused     bool              `json:"isPaused"`
}

// AlertRuleGroup is one provisioned rule group.
type AlertRuleGroup struct {
	OrgID    int64       `json:"orgId"`
	Name     string      `json:"name"`
	Folder   string      `json:"folder"`
	Interval string      `json:"interval"`
	Rules    []AlertRule `json:"rules"`
	File     string      `json:"-"`
}

type alertingFile struct {
	APIVersion int              `json:"apiVersion"`
	Groups     []AlertRuleGroup `json:"groups"`
}

// LoadProvisionedAlertRules reads the rule groups of provisioning/alerting (contact points and
// policies in the same folder are ignored) and checks what Grafana checks when it provisions
// them: a folder and an interval on every group, a uid, a title and a condition on every rule,
// the condition naming one of its queries, and each query naming a datasource.
func LoadProvisionedAlertRules(dir string) ([]AlertRuleGroup, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	files, err := readProvisioningFiles[alertingFile](dir)
	if err != nil {
		return nil, err
	}
	var groups []AlertRuleGroup
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		for _, g := range files[path].Groups {
			g.File = filepath.Base(path)
			if g.Folder == "" || g.Name == "" {
				return nil, fmt.Errorf("%s: rule group %q needs a name and a folder", path, g.Name)
			}
			if _, err := parseGrafanaDuration(g.Interval); err != nil {
				return nil, fmt.Errorf("%s: group %s: interval: %w", path, g.Name, err)
			}
			for _, r := range g.Rules {
				if r.UID == "" || r.Title == "" || r.Condition == "" {
					return nil, fmt.Errorf("%s: group %s: a rule lacks uid, title or condition (uid=%q title=%q condition=%q)", path, g.Name, r.UID, r.Title, r.Condition)
				}
				found := false
				for _, q := range r.Data {
					if q.RefID == r.Condition {
						found = true
					}
					if q.DatasourceUID == "" {
						return nil, fmt.Errorf("%s: rule %s: query %s has no datasourceUid", path, r.UID, q.RefID)
					}
				}
				if !found {
					return nil, fmt.Errorf("%s: rule %s: condition %q is not one of its queries", path, r.UID, r.Condition)
				}
				if _, err := parseGrafanaDuration(r.For); err != nil {
					return nil, fmt.Errorf("%s: rule %s: for: %w", path, r.UID, err)
				}
			}
			groups = append(groups, g)
		}
	}
	return groups, nil
}

func parseGrafanaDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if strings.HasSuffix(s, "d") {
		var n int
		if _, err := fmt.Sscanf(s, "%dd", &n); err == nil {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 1m or 30s", s)
	}
	return d, nil
}

// number is one labelled value flowing between expressions.
type number struct {
	Labels data.Labels
	Value  *float64
}

// series is one labelled time series returned by a datasource query.
type series struct {
	Labels data.Labels
	Values []*float64
}

// AlertInstance is one dimension of an evaluated rule.
type AlertInstance struct {
	Labels data.Labels
	Value  *float64 // the condition's value
	State  string   // Normal, Alerting, NoData, Error
}

// RuleResult is the outcome of one evaluation of a rule.
type RuleResult struct {
	Instances []AlertInstance
	// NoData is set when the datasource queries returned no series at all.
	NoData bool
	// Values holds every query's and expression's result by refId, for messages.
	Values map[string]string
}

// String summarises the instances, for test messages.
func (r RuleResult) String() string {
	var parts []string
	for _, in := range r.Instances {
		v := "null"
		if in.Value != nil {
			v = fmt.Sprintf("%g", *in.Value)
		}
		parts = append(parts, fmt.Sprintf("%s %s=%s", in.State, in.Labels, v))
	}
	if len(parts) == 0 {
		return "(no instances)"
	}
	return strings.Join(parts, "; ")
}

// EvaluateRule evaluates a rule once at now. Datasource queries go to b with the PluginContext of
// the datasource their datasourceUid names (contexts by uid).
func EvaluateRule(ctx context.Context, b *Backend, contexts map[string]backend.PluginContext, rule AlertRule, now time.Time) (RuleResult, error) {
	seriesByRef := map[string][]series{}
	numbersByRef := map[string][]number{}
	res := RuleResult{Values: map[string]string{}}
	anySeries := false
	for _, q := range rule.Data {
		if q.DatasourceUID == "__expr__" {
			continue
		}
		pctx, ok := contexts[q.DatasourceUID]
		if !ok {
			return res, fmt.Errorf("rule %s: query %s uses datasource %q, which is not provisioned", rule.UID, q.RefID, q.DatasourceUID)
		}
		var model map[string]any
		if err := json.Unmarshal(q.Model, &model); err != nil {
			return res, fmt.Errorf("rule %s: query %s: model is not JSON: %w", rule.UID, q.RefID, err)
		}
		intervalMs := 1000.0
		if v, ok := model["intervalMs"].(float64); ok && v > 0 {
			intervalMs = v
		}
		maxDataPoints := 43200.0
		if v, ok := model["maxDataPoints"].(float64); ok && v > 0 {
			maxDataPoints = v
		}
		model["refId"] = q.RefID
		model["intervalMs"] = intervalMs
		model["maxDataPoints"] = maxDataPoints
		raw, _ := json.Marshal(model)
		queryType := q.QueryType
		if queryType == "" {
			if s, ok := model["queryType"].(string); ok {
				queryType = s
			}
		}
		req := &backend.QueryDataRequest{
			PluginContext: pctx,
			Headers:       map[string]string{"FromAlert": "true", "X-Cache-Skip": "true", "X-Rule-Uid": rule.UID},
			Queries: []backend.DataQuery{{
				RefID:         q.RefID,
				QueryType:     queryType,
				JSON:          raw,
				Interval:      time.Duration(intervalMs) * time.Millisecond,
				MaxDataPoints: int64(maxDataPoints),
				TimeRange: backend.TimeRange{
					From: now.Add(-time.Duration(q.RelativeTimeRange.From) * time.Second),
					To:   now.Add(-time.Duration(q.RelativeTimeRange.To) * time.Second),
				},
			}},
		}
		resp, err := b.QueryData(ctx, req)
		if err != nil {
			return res, fmt.Errorf("rule %s: query %s: QueryData over gRPC: %w", rule.UID, q.RefID, err)
		}
		dr, ok := resp.Responses[q.RefID]
		if !ok {
			return res, fmt.Errorf("rule %s: query %s: the plugin answered without refId %s", rule.UID, q.RefID, q.RefID)
		}
		if dr.Error != nil {
			return res, fmt.Errorf("rule %s: query %s: the plugin returned an error: %v", rule.UID, q.RefID, dr.Error)
		}
		ss, err := framesToSeries(dr.Frames)
		if err != nil {
			return res, fmt.Errorf("rule %s: query %s: %w", rule.UID, q.RefID, err)
		}
		if len(ss) > 0 {
			anySeries = true
		}
		seriesByRef[q.RefID] = ss
		res.Values[q.RefID] = fmt.Sprintf("%d series", len(ss))
	}
	res.NoData = !anySeries
	for _, q := range rule.Data {
		if q.DatasourceUID != "__expr__" {
			continue
		}
		var m struct {
			Type       string `json:"type"`
			Expression string `json:"expression"`
			Reducer    string `json:"reducer"`
			Settings   struct {
				Mode             string   `json:"mode"`
				ReplaceWithValue *float64 `json:"replaceWithValue"`
			} `json:"settings"`
			Conditions []struct {
				Evaluator struct {
					Type   string    `json:"type"`
					Params []float64 `json:"params"`
				} `json:"evaluator"`
			} `json:"conditions"`
		}
		if err := json.Unmarshal(q.Model, &m); err != nil {
			return res, fmt.Errorf("rule %s: expression %s: %w", rule.UID, q.RefID, err)
		}
		switch m.Type {
		case "reduce":
			in, ok := seriesByRef[m.Expression]
			if !ok {
				return res, fmt.Errorf("rule %s: reduce %s reads %q, which is not a datasource query of the rule", rule.UID, q.RefID, m.Expression)
			}
			var out []number
			for _, s := range in {
				v, err := reduce(m.Reducer, m.Settings.Mode, m.Settings.ReplaceWithValue, s.Values)
				if err != nil {
					return res, fmt.Errorf("rule %s: reduce %s: %w", rule.UID, q.RefID, err)
				}
				out = append(out, number{Labels: s.Labels, Value: v})
			}
			numbersByRef[q.RefID] = out
		case "threshold":
			in, ok := numbersByRef[m.Expression]
			if !ok {
				return res, fmt.Errorf("rule %s: threshold %s reads %q, which is not a reduce expression before it (the harness supports threshold over reduce only)", rule.UID, q.RefID, m.Expression)
			}
			if len(m.Conditions) != 1 {
				return res, fmt.Errorf("rule %s: threshold %s has %d conditions; the harness supports exactly one", rule.UID, q.RefID, len(m.Conditions))
			}
			ev := m.Conditions[0].Evaluator
			var out []number
			for _, n := range in {
				v, err := threshold(ev.Type, ev.Params, n.Value)
				if err != nil {
					return res, fmt.Errorf("rule %s: threshold %s: %w", rule.UID, q.RefID, err)
				}
				out = append(out, number{Labels: n.Labels, Value: v})
			}
			numbersByRef[q.RefID] = out
		default:
			return res, fmt.Errorf("rule %s: expression %s has type %q; this harness evaluates only reduce and threshold (extend tests/grafana/harness/alerting.go)", rule.UID, q.RefID, m.Type)
		}
	}
	cond, ok := numbersByRef[rule.Condition]
	if !ok {
		return res, fmt.Errorf("rule %s: condition %s is not an expression result", rule.UID, rule.Condition)
	}
	for _, n := range cond {
		state := "Normal"
		if n.Value != nil && *n.Value != 0 {
			state = "Alerting"
		}
		res.Instances = append(res.Instances, AlertInstance{Labels: n.Labels, Value: n.Value, State: state})
	}
	return res, nil
}

// framesToSeries turns data frames into labelled series: every numeric field of a frame with a
// time field is one series, labelled by the field's labels.
func framesToSeries(frames data.Frames) ([]series, error) {
	var out []series
	for _, f := range frames {
		hasTime := false
		for _, fld := range f.Fields {
			if fld.Type().Time() {
				hasTime = true
			}
		}
		if !hasTime {
			if len(f.Fields) == 0 {
				continue
			}
			return nil, fmt.Errorf("frame %q has no time field: alert queries must return time series", f.Name)
		}
		for _, fld := range f.Fields {
			if !fld.Type().Numeric() {
				continue
			}
			s := series{Labels: fld.Labels.Copy()}
			if s.Labels == nil {
				s.Labels = data.Labels{}
			}
			for i := 0; i < fld.Len(); i++ {
				v, err := fld.NullableFloatAt(i)
				if err != nil {
					return nil, err
				}
				s.Values = append(s.Values, v)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func reduce(reducer, mode string, replace *float64, vals []*float64) (*float64, error) {
	var xs []float64
	for _, v := range vals {
		switch {
		case v != nil && !math.IsNaN(*v):
			xs = append(xs, *v)
		case mode == "dropNN":
		case mode == "replaceNN":
			if replace == nil {
				return nil, fmt.Errorf("mode replaceNN without replaceWithValue")
			}
			xs = append(xs, *replace)
		case mode == "":
			return nil, nil // strict mode: a null makes the result NaN/null
		default:
			return nil, fmt.Errorf("unknown reduce mode %q", mode)
		}
	}
	if reducer == "count" {
		c := float64(len(xs))
		return &c, nil
	}
	if len(xs) == 0 {
		return nil, nil
	}
	var r float64
	switch reducer {
	case "max":
		r = math.Inf(-1)
		for _, x := range xs {
			r = math.Max(r, x)
		}
	case "min":
		r = math.Inf(1)
		for _, x := range xs {
			r = math.Min(r, x)
		}
	case "sum", "mean":
		for _, x := range xs {
			r += x
		}
		if reducer == "mean" {
			r /= float64(len(xs))
		}
	case "last":
		r = xs[len(xs)-1]
	default:
		return nil, fmt.Errorf("reducer %q is not supported by the harness (max, min, sum, mean, last, count)", reducer)
	}
	return &r, nil
}

func threshold(kind string, params []float64, v *float64) (*float64, error) {
	need := map[string]int{"gt": 1, "lt": 1, "within_range": 2, "outside_range": 2}
	n, ok := need[kind]
	if !ok {
		return nil, fmt.Errorf("evaluator %q is not supported by the harness (gt, lt, within_range, outside_range)", kind)
	}
	if len(params) < n {
		return nil, fmt.Errorf("evaluator %s needs %d params, got %v", kind, n, params)
	}
	if v == nil {
		return nil, nil
	}
	x := *v
	var fire bool
	switch kind {
	case "gt":
		fire = x > params[0]
	case "lt":
		fire = x < params[0]
	case "within_range":
		fire = x > params[0] && x < params[1]
	case "outside_range":
		fire = x < params[0] || x > params[1]
	}
	r := 0.0
	if fire {
		r = 1
	}
	return &r, nil
}
