package plugin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// defaultResourceRange is the look-back of resources called without from/to.
const defaultResourceRange = 30 * 24 * time.Hour

func (d *Datasource) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/signals", d.handleSignals)
	mux.HandleFunc("/clusters", d.handleClusters)
	mux.HandleFunc("/jobs", d.handleJobs)
	mux.HandleFunc("/topology", d.handleTopology)
	mux.HandleFunc("/values", d.handleValues)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown resource %q: use /signals, /clusters, /jobs, /topology or /values", r.URL.Path))
	})
	return mux
}

func (d *Datasource) handleSignals(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"signals": signals})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// writeVMError answers a failed VictoriaMetrics call: 400 for rejected input, 502 otherwise.
func writeVMError(w http.ResponseWriter, err error) {
	code := http.StatusBadGateway
	if ve, ok := err.(*vmError); ok && (ve.Status == 400 || ve.Status == 422) {
		code = http.StatusBadRequest
	}
	writeError(w, code, err.Error())
}

// timeRange reads from/to (Unix milliseconds or RFC 3339); the default is the last 30 days.
func timeRange(r *http.Request) (time.Time, time.Time, error) {
	now := time.Now()
	from, to := now.Add(-defaultResourceRange), now
	var err error
	if s := r.URL.Query().Get("from"); s != "" {
		if from, err = parseTimeParam("from", s); err != nil {
			return from, to, err
		}
	}
	if s := r.URL.Query().Get("to"); s != "" {
		if to, err = parseTimeParam("to", s); err != nil {
			return from, to, err
		}
	}
	if !to.After(from) {
		return from, to, fmt.Errorf("from (%s) must be before to (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

func parseTimeParam(name, s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s=%q is not a time: use Unix milliseconds or RFC 3339 (2024-05-01T12:00:00Z)", name, s)
}

// resourceQuery reads cluster/job/node/device filters of a resource call.
func resourceQuery(r *http.Request) (*parsedQuery, error) {
	v := r.URL.Query()
	q := &parsedQuery{QueryModel: QueryModel{Cluster: v.Get("cluster"), Job: v.Get("job"), Node: v.Get("node"), Device: v.Get("device")}}
	var err error
	if q.cluster, err = parseMatcher("cluster", q.Cluster); err != nil {
		return nil, err
	}
	if q.job, err = parseMatcher("job", q.Job); err != nil {
		return nil, err
	}
	if q.node, err = parseMatcher("node", q.Node); err != nil {
		return nil, err
	}
	if q.device, err = parseMatcher("device", q.Device); err != nil {
		return nil, err
	}
	return q, nil
}

// resourceArgs reads the time range and filters of a resource call, answering 400 when they are bad.
func resourceArgs(w http.ResponseWriter, r *http.Request) (*parsedQuery, time.Time, time.Time, bool) {
	from, to, err := timeRange(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, from, to, false
	}
	q, err := resourceQuery(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, from, to, false
	}
	return q, from, to, true
}
