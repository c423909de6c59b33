package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

const (
	streamInterval = time.Second
	// streamDelay: a sample of time T is only pushed once T is this old, so VictoriaMetrics
	// has indexed it (about 1 s on 1.79.5); later samples are caught by the freshness filter of
	// signalExpr and pushed on a later tick.
	streamDelay = 2 * time.Second
	// streamBackfill is what a new subscriber gets at once.
	streamBackfill = 60 * time.Second
)

// streamRegistry tracks running streams so Dispose can stop them and tests can count them.
type streamRegistry struct {
	mu      sync.Mutex
	cancels map[*context.CancelFunc]struct{}
}

func newStreamRegistry() *streamRegistry {
	return &streamRegistry{cancels: map[*context.CancelFunc]struct{}{}}
}

func (r *streamRegistry) add(c *context.CancelFunc) {
	r.mu.Lock()
	r.cancels[c] = struct{}{}
	r.mu.Unlock()
}

func (r *streamRegistry) remove(c *context.CancelFunc) {
	r.mu.Lock()
	delete(r.cancels, c)
	r.mu.Unlock()
}

func (r *streamRegistry) running() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cancels)
}

func (r *streamRegistry) stopAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.cancels {
		(*c)()
	}
}

// StreamPath is the Live channel path of a signal of a job: signal/<cluster>/<job>/<signal>.
func StreamPath(cluster, job, signal string) string {
	return StreamPathOf(QueryModel{Cluster: cluster, Job: job, Signal: signal})
}

// StreamPathOf is the Live channel path of a signal query:
//
//	signal/<cluster>/<job>/<signal>                          no node, device or groupBy
//	signal/<cluster>/<job>/<signal>/<node>/<device>/<groupBy> otherwise; * for any (groupBy: the signal's default)
//
// Grafana Live allows only A-Z a-z 0-9 _ - . = and / in a channel path, so every other byte
// of a component (and "=" itself) is written as =XX, its uppercase hex code: a job named
// `llama "v2"` becomes llama=20=22v2=22 and a regex /a|b/ becomes =2Fa=7Cb=2F.
func StreamPathOf(q QueryModel) string {
	parts := []string{"signal", escapeComponent(q.Cluster), escapeComponent(q.Job), escapeComponent(q.Signal)}
	if q.Node != "" || q.Device != "" || q.GroupBy != "" {
		parts = append(parts, escapeComponent(q.Node), escapeComponent(q.Device), escapeComponent(q.GroupBy))
	}
	return strings.Join(parts, "/")
}

func escapeComponent(s string) string {
	if s == "" {
		s = "*"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "=%02X", c)
	}
	return b.String()
}

func unescapeComponent(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("%q ends inside an =XX escape", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("%q has a bad escape %q: write other bytes as = and two hex digits", s, s[i:i+3])
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// parseStreamPath reads both forms of StreamPathOf. A bad path is refused with what was wrong:
// SubscribeStream logs it and answers NOT_FOUND.
func parseStreamPath(path string) (*parsedQuery, error) {
	parts := strings.Split(path, "/")
	if (len(parts) != 4 && len(parts) != 7) || parts[0] != "signal" {
		return nil, fmt.Errorf("stream path %q is not signal/<cluster>/<job>/<signal> or signal/<cluster>/<job>/<signal>/<node>/<device>/<groupBy>", path)
	}
	vals := make([]string, 6)
	for i, p := range parts[1:] {
		v, err := unescapeComponent(p)
		if err != nil {
			return nil, fmt.Errorf("stream path %q: %v", path, err)
		}
		vals[i] = v
	}
	if vals[5] == "*" {
		vals[5] = "" // the signal's default grouping
	}
	raw, _ := json.Marshal(QueryModel{QueryType: queryTypeSignal, Cluster: vals[0], Job: vals[1], Signal: vals[2], Node: vals[3], Device: vals[4], GroupBy: vals[5]})
	q, err := parseQuery(raw, "")
	if err != nil {
		return nil, fmt.Errorf("stream path %q: %v", path, err)
	}
	return q, nil
}

// SubscribeStream allows a subscription when its path names a valid signal query.
func (d *Datasource) SubscribeStream(_ context.Context, req *backend.SubscribeStreamRequest) (*backend.SubscribeStreamResponse, error) {
	if _, err := parseStreamPath(req.Path); err != nil {
		log.DefaultLogger.Warn("refused stream subscription", "path", req.Path, "error", err.Error())
		return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusNotFound}, nil
	}
	return &backend.SubscribeStreamResponse{Status: backend.SubscribeStreamStatusOK}, nil
}

// PublishStream: clients never publish into these channels.
func (d *Datasource) PublishStream(context.Context, *backend.PublishStreamRequest) (*backend.PublishStreamResponse, error) {
	return &backend.PublishStreamResponse{Status: backend.PublishStreamStatusPermissionDenied}, nil
}

// RunStream pushes the new per-second points of the channel's signal every second until
// Grafana cancels the context (last subscriber gone) or the instance is disposed.
func (d *Datasource) RunStream(ctx context.Context, req *backend.RunStreamRequest, sender *backend.StreamSender) error {
	q, err := parseStreamPath(req.Path)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.streams.add(&cancel)
	defer d.streams.remove(&cancel)

	expr := d.signalExpr(q, time.Second, true)
	sc := d.scopeFilters(q, q.signal, nil)
	if q.signal.Scope == scopeNode && !q.job.any {
		sc = "" // resolved per tick below: the job's nodes can change while it runs
	}
	last := time.Now().Add(-streamDelay - streamBackfill).Truncate(time.Second)
	ticker := time.NewTicker(streamInterval)
	defer ticker.Stop()
	sent := false // Grafana keeps a Live panel loading until the first frame: one is always sent
	var failure error
	for {
		end := time.Now().Add(-streamDelay).Truncate(time.Second)
		if end.Sub(last) > streamBackfill {
			last = end.Add(-streamBackfill) // after failures or a job without nodes, catch up one minute at most
		}
		if end.After(last) {
			tickScope := sc
			if q.signal.Scope == scopeNode && !q.job.any {
				nodes, err := d.jobNodes(ctx, q, last, end)
				if err == nil && len(nodes) > 0 {
					tickScope = d.scopeFilters(q, q.signal, nodes)
				}
			}
			if tickScope != "" || q.signal.Scope != scopeNode || q.job.any {
				ss, err := d.vm.queryRange(ctx, expr, tickScope, last.Add(time.Second), end, time.Second, true)
				switch {
				case ctx.Err() != nil:
					return nil
				case err != nil:
					failure = err
					log.DefaultLogger.Warn("stream query failed", "path", req.Path, "error", err.Error())
				default:
					if f := toFrame(ss, q.signal.Unit, "", nil, last); f != nil {
						f.Fields[0].Config = oneSecondTimeConfig()
						if err := sender.SendFrame(f, data.IncludeAll); err != nil {
							return err
						}
						sent = true
						// Only what was pushed counts as done: seconds whose samples have not
						// arrived yet are asked for again on the next tick.
						last = f.Fields[0].At(f.Fields[0].Len() - 1).(time.Time)
					}
				}
			}
		}
		if !sent {
			if err := sender.SendFrame(emptyStreamFrame(q.signal, failure), data.IncludeAll); err != nil {
				return err
			}
			sent = true
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// emptyStreamFrame is the first frame of a stream whose last minute has no points: the schema of
// the data frames (time, value in the signal's unit) with no rows, so the panel shows "No data"
// instead of loading; new points follow as they arrive. A failed first query is a warning notice.
func emptyStreamFrame(sig *Signal, failure error) *data.Frame {
	value := data.NewField("value", nil, []float64{})
	value.Config = &data.FieldConfig{Unit: sig.Unit}
	f := data.NewFrame("", data.NewField("time", nil, []time.Time{}), value)
	f.Fields[0].Config = oneSecondTimeConfig()
	notice := data.Notice{Severity: data.NoticeSeverityInfo,
		Text: fmt.Sprintf("No %s data in the last minute: new seconds appear as they arrive", sig.ID)}
	if failure != nil {
		notice = data.Notice{Severity: data.NoticeSeverityWarning,
			Text: fmt.Sprintf("Live query failed (%v): retrying every second", failure)}
	}
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, TypeVersion: data.FrameTypeVersion{0, 1}, Notices: []data.Notice{notice}}
	return f
}

// oneSecondTimeConfig tells Grafana the points are 1 s apart, so a second the agent missed is
// drawn as a gap (as in query frames, whose time field carries the step).
func oneSecondTimeConfig() *data.FieldConfig {
	return &data.FieldConfig{Interval: float64(streamInterval.Milliseconds())}
}
