package plugin

import (
	"encoding/json"
	"fmt"
	"strings"
)

// QueryModel is the JSON of one query. It is complete without dashboard variables so that
// Grafana's alert engine can evaluate it.
type QueryModel struct {
	QueryType string `json:"queryType"`
	Cluster   string `json:"cluster"`
	Job       string `json:"job"`
	Node      string `json:"node,omitempty"`
	Device    string `json:"device,omitempty"`
	Signal    string `json:"signal,omitempty"`
	GroupBy   string `json:"groupBy,omitempty"`
	Envelope  string `json:"envelope,omitempty"`
	Expr      string `json:"expr,omitempty"`
	// Variable is the variable to list for queryType "variable": cluster, job, node or device.
	Variable string `json:"variable,omitempty"`
}

const (
	queryTypeSignal    = "signal"
	queryTypeMetricsQL = "metricsql"
	queryTypeVariable  = "variable"
)

var envelopes = []string{"max", "min", "avg", "band"}

// parsedQuery is a validated query model.
type parsedQuery struct {
	QueryModel
	signal                     *Signal
	cluster, job, node, device matcher
}

func parseQuery(raw json.RawMessage, queryType string) (*parsedQuery, error) {
	var m QueryModel
	if len(raw) == 0 {
		return nil, fmt.Errorf("the query is empty: pick a signal or write a MetricsQL expression")
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("the query is not valid JSON (%v): expected {\"queryType\":\"signal\",\"cluster\":...,\"job\":...,\"signal\":...}", err)
	}
	if m.QueryType == "" {
		m.QueryType = queryType
	}
	if m.QueryType == "" {
		m.QueryType = queryTypeSignal
		if m.Signal == "" && m.Expr != "" {
			m.QueryType = queryTypeMetricsQL
		}
	}
	q := &parsedQuery{QueryModel: m}
	var err error
	if q.cluster, err = parseMatcher("cluster", m.Cluster); err != nil {
		return nil, err
	}
	if q.job, err = parseMatcher("job", m.Job); err != nil {
		return nil, err
	}
	if q.node, err = parseMatcher("node", m.Node); err != nil {
		return nil, err
	}
	if q.device, err = parseMatcher("device", m.Device); err != nil {
		return nil, err
	}
	switch m.QueryType {
	case queryTypeSignal:
		return q, q.validateSignal()
	case queryTypeMetricsQL:
		if strings.TrimSpace(m.Expr) == "" {
			return nil, fmt.Errorf("queryType metricsql needs an expression in \"expr\"")
		}
		return q, nil
	case queryTypeVariable:
		if !contains([]string{"cluster", "job", "node", "device"}, m.Variable) {
			return nil, fmt.Errorf("queryType variable lists cluster, job, node or device: set \"variable\" to one of them, not %q", m.Variable)
		}
		return q, nil
	}
	return nil, fmt.Errorf("unknown queryType %q: use %q, %q or %q", m.QueryType, queryTypeSignal, queryTypeMetricsQL, queryTypeVariable)
}

func (q *parsedQuery) validateSignal() error {
	if q.Signal == "" {
		return fmt.Errorf("no signal chosen: set \"signal\" to one of the ids served at /signals, e.g. ib_rx_bits")
	}
	sig := signalByID[q.Signal]
	if sig == nil {
		return fmt.Errorf("unknown signal %q: use one of %s", q.Signal, strings.Join(signalIDs(), ", "))
	}
	q.signal = sig
	if q.GroupBy == "" {
		q.GroupBy = sig.DefaultGroupBy
	}
	if !contains(sig.GroupBys, q.GroupBy) {
		return fmt.Errorf("signal %s cannot be grouped by %q: use one of %s", sig.ID, q.GroupBy, strings.Join(sig.GroupBys, ", "))
	}
	if q.Envelope == "" {
		q.Envelope = "max"
	}
	if !contains(envelopes, q.Envelope) {
		return fmt.Errorf("unknown envelope %q: use one of %s", q.Envelope, strings.Join(envelopes, ", "))
	}
	if !q.device.any && len(sig.DeviceLabels) == 0 {
		return fmt.Errorf("signal %s has no devices (it is per node): clear the device filter", sig.ID)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
