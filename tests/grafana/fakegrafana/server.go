// Package fakegrafana is a FAKE of the part of Grafana 13's HTTP API that the plugin's frontend
// calls, for the browser plugin harness (tests/plugin-harness). It is not Grafana: Grafana's server
// cannot be built here (the Go module proxy answers 403 for github.com/grafana/grafana, see
// docs/grafana-e2e.md). Every datasource call goes to the REAL plugin binary over gRPC, started
// the way Grafana starts it (tests/grafana/harness); only the HTTP shapes around it are faked:
//
//	POST /api/ds/query                                  QueryData
//	GET  /api/datasources, /api/datasources/uid/:uid     datasource settings DTOs
//	PUT  /api/datasources/uid/:uid                       new settings; the plugin instance is recreated
//	GET  /api/datasources/uid/:uid/health               CheckHealth
//	*    /api/datasources/uid/:uid/resources/*           CallResource
//	GET|POST /api/plugins/:id/settings                  app settings (jsonData)
//	/api/v1/provisioning/alert-rules[/:uid], folders, rule groups, /api/prometheus/grafana/api/v1/rules (in memory)
//	GET  /api/live/harness?uid=..&path=..               SubscribeStream + RunStream of one channel as Server-Sent Events
//	GET  /api/live/harness, POST …/subscribe, …/unsubscribe   all channels of a page over one
//	                                                    connection, as Grafana Live's WebSocket (live.go)
//
// Everything else is served from static directories (the plugin harness page and dist/ under
// /public/plugins/<app id>/, as Grafana serves plugin files).
package fakegrafana

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

// GrafanaVersion is what the fake reports (the version the plugin is built against).
const GrafanaVersion = harness.GrafanaVersion

// Config says where the fake finds the plugin build and what it serves.
type Config struct {
	DistDir         string // the plugin build (dist/): app at the root, datasource nested
	ProvisioningDir string // provisioning/ (datasources and plugins are applied at start)
	StaticDir       string // the plugin harness page (index.html and its assets); "" serves none
	LogDir          string // where the plugin's log goes
	Logger          *slog.Logger
}

// Datasource is one datasource as the fake stores it (Grafana's data_source row).
type Datasource struct {
	ID             int64
	UID            string
	OrgID          int64
	Name           string
	Type           string
	Access         string
	URL            string
	User           string
	Database       string
	BasicAuth      bool
	BasicAuthUser  string
	IsDefault      bool
	ReadOnly       bool
	JSONData       map[string]any
	SecureJSONData map[string]string // decrypted; only its keys leave the fake (secureJsonFields)
	Version        int
	Updated        time.Time
}

// Server is the fake Grafana.
type Server struct {
	cfg     Config
	log     *slog.Logger
	app     *harness.Plugin
	ds      *harness.Plugin
	appRaw  map[string]any // the app's plugin.json
	dsRaw   map[string]any
	backend *harness.Backend

	mu          sync.Mutex
	datasources map[string]*Datasource
	appSettings struct {
		Enabled, Pinned bool
		JSONData        map[string]any
		SecureJSON      map[string]string
	}
	alerts *alertStore
	live   liveSessions
}

// New discovers the plugins in cfg.DistDir, applies provisioning and starts the plugin backend.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s := &Server{cfg: cfg, log: cfg.Logger, datasources: map[string]*Datasource{}, alerts: newAlertStore()}
	plugins, err := harness.DiscoverPlugins(cfg.DistDir)
	if err != nil {
		return nil, fmt.Errorf("discover plugins in %s: %w", cfg.DistDir, err)
	}
	for _, p := range plugins {
		if p.JSON.Type == "app" {
			s.app = p
			for _, c := range p.Children {
				if c.JSON.Type == "datasource" && c.JSON.Backend {
					s.ds = c
				}
			}
		}
	}
	if s.app == nil || s.ds == nil {
		return nil, fmt.Errorf("%s holds no app with a nested backend datasource: run `npm run build` first", cfg.DistDir)
	}
	for _, p := range []*harness.Plugin{s.app, s.ds} {
		if err := p.CheckLoadable(); err != nil {
			return nil, err
		}
	}
	if s.appRaw, err = readJSON(filepath.Join(s.app.Dir, "plugin.json")); err != nil {
		return nil, err
	}
	if s.dsRaw, err = readJSON(filepath.Join(s.ds.Dir, "plugin.json")); err != nil {
		return nil, err
	}
	if cfg.ProvisioningDir != "" {
		if err := s.provision(); err != nil {
			return nil, err
		}
	}
	logDir := cfg.LogDir
	if logDir == "" {
		logDir = os.TempDir()
	}
	s.backend, err = harness.LaunchBackend(s.ds, filepath.Join(logDir, s.ds.JSON.ID+".log"))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the plugin backend.
func (s *Server) Close() {
	if s.backend != nil {
		s.backend.Kill()
	}
}

func readJSON(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func (s *Server) provision() error {
	dss, err := harness.LoadProvisionedDatasources(filepath.Join(s.cfg.ProvisioningDir, "datasources"))
	if err != nil {
		return fmt.Errorf("provisioning/datasources: %w", err)
	}
	for i, d := range dss {
		if d.OrgID == 0 {
			d.OrgID = 1
		}
		s.datasources[d.UID] = &Datasource{
			ID: int64(i + 1), UID: d.UID, OrgID: d.OrgID, Name: d.Name, Type: d.Type, Access: orDefault(d.Access, "proxy"),
			URL: d.URL, User: d.User, Database: d.Database, BasicAuth: d.BasicAuth, BasicAuthUser: d.BasicAuthUser,
			IsDefault: d.IsDefault, ReadOnly: !d.Editable, JSONData: orEmpty(d.JSONData), SecureJSONData: orEmptyS(d.SecureJSONData),
			Version: 1, Updated: time.Now(),
		}
	}
	apps, err := harness.LoadProvisionedApps(filepath.Join(s.cfg.ProvisioningDir, "plugins"))
	if err != nil {
		return fmt.Errorf("provisioning/plugins: %w", err)
	}
	s.appSettings.JSONData = map[string]any{}
	s.appSettings.SecureJSON = map[string]string{}
	for _, a := range apps {
		if a.Type == s.app.JSON.ID {
			s.appSettings.Enabled = !a.Disabled
			s.appSettings.JSONData = orEmpty(a.JSONData)
			s.appSettings.SecureJSON = orEmptyS(a.SecureJSONData)
		}
	}
	return nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orEmptyS(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// pluginContext is what Grafana sends with every call for a datasource (org 1, the admin user).
// Updated changes on every PUT: the SDK's instance manager then disposes the old instance and
// creates a new one with the new settings, as in Grafana.
func (s *Server) pluginContext(d *Datasource) backend.PluginContext {
	raw, _ := json.Marshal(d.JSONData)
	secure := map[string]string{}
	for k, v := range d.SecureJSONData {
		secure[k] = v
	}
	return backend.PluginContext{
		OrgID:         d.OrgID,
		PluginID:      s.ds.JSON.ID,
		PluginVersion: s.ds.JSON.Info.Version,
		User:          &backend.User{Login: "admin", Name: "admin", Email: "admin@localhost", Role: "Admin"},
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID: d.ID, UID: d.UID, Type: d.Type, Name: d.Name, URL: d.URL, User: d.User, Database: d.Database,
			BasicAuthEnabled: d.BasicAuth, BasicAuthUser: d.BasicAuthUser, JSONData: raw,
			DecryptedSecureJSONData: secure, Updated: d.Updated,
		},
	}
}

// datasource returns a copy of the datasource's plugin context, or nil.
func (s *Server) lookup(uid string) (*Datasource, backend.PluginContext, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.datasources[uid]
	if !ok {
		return nil, backend.PluginContext{}, false
	}
	cp := *d
	return &cp, s.pluginContext(d), true
}

// Handler is the fake's HTTP API and static files.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"database": "ok", "version": GrafanaVersion, "fake": "grafana-api-fake"})
	})
	mux.HandleFunc("POST /api/ds/query", s.handleQuery)
	mux.HandleFunc("GET /api/datasources", s.handleListDatasources)
	mux.HandleFunc("GET /api/datasources/uid/{uid}", s.handleGetDatasource)
	mux.HandleFunc("PUT /api/datasources/uid/{uid}", s.handlePutDatasource)
	mux.HandleFunc("GET /api/datasources/uid/{uid}/health", s.handleHealth)
	mux.HandleFunc("/api/datasources/uid/{uid}/resources/{path...}", s.handleResource)
	mux.HandleFunc("GET /api/plugins/{id}/settings", s.handleGetPluginSettings)
	mux.HandleFunc("POST /api/plugins/{id}/settings", s.handlePostPluginSettings)
	mux.HandleFunc("GET /api/live/harness", s.handleLive)
	mux.HandleFunc("POST /api/live/harness/subscribe", s.handleLiveSubscribe)
	mux.HandleFunc("POST /api/live/harness/unsubscribe", s.handleLiveUnsubscribe)
	s.alerts.register(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]any{"message": "Not found (grafana-api-fake does not implement " + r.Method + " " + r.URL.Path + ")"})
	})
	// Plugin files, where Grafana serves them (public/plugins/<id>/...). The nested datasource
	// lives in the app's folder, as Grafana serves nested plugins.
	mux.Handle("/public/plugins/"+s.app.JSON.ID+"/", http.StripPrefix("/public/plugins/"+s.app.JSON.ID+"/", http.FileServer(http.Dir(s.app.Dir))))
	if s.cfg.StaticDir != "" {
		files := http.FileServer(http.Dir(s.cfg.StaticDir))
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				if st, err := os.Stat(filepath.Join(s.cfg.StaticDir, filepath.Clean(r.URL.Path))); err == nil && !st.IsDir() {
					files.ServeHTTP(w, r)
					return
				}
			}
			// Single-page app: every other route (/a/<app>/..., /connections/...) is the harness page.
			w.Header().Set("Cache-Control", "no-store")
			http.ServeFile(w, r, filepath.Join(s.cfg.StaticDir, "index.html"))
		})
	}
	return s.logRequests(mux)
}

func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		start := time.Now()
		h.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start).String())
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// grafanaError is the body of Grafana's API errors: {"message": ...} (plus traceID).
func grafanaError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "traceID": ""})
}

// ---- /api/ds/query ----

type dsRef struct {
	UID  string `json:"uid"`
	Type string `json:"type"`
}

type queryBody struct {
	Queries []json.RawMessage `json:"queries"`
	From    string            `json:"from"`
	To      string            `json:"to"`
}

// parseGrafanaTime reads a /api/ds/query time: epoch milliseconds or a relative "now-5m".
func parseGrafanaTime(v string, now time.Time) (time.Time, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	if v == "now" {
		return now, nil
	}
	if strings.HasPrefix(v, "now-") {
		d, err := parseRelative(strings.TrimPrefix(v, "now-"))
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse time %q", v)
}

// parseRelative reads Grafana's relative durations: Go durations plus d (days) and w (weeks).
func parseRelative(v string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, err := strconv.Atoi(strings.TrimSuffix(v, suffix)); err == nil && strings.HasSuffix(v, suffix) {
			return time.Duration(n) * unit, nil
		}
	}
	return time.ParseDuration(v)
}

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	var body queryBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		grafanaError(w, 400, "bad request data: "+err.Error())
		return
	}
	if len(body.Queries) == 0 {
		grafanaError(w, 400, "No queries found")
		return
	}
	now := time.Now()
	from, err := parseGrafanaTime(orDefault(body.From, "now-6h"), now)
	if err != nil {
		grafanaError(w, 400, "bad request data: "+err.Error())
		return
	}
	to, err := parseGrafanaTime(orDefault(body.To, "now"), now)
	if err != nil {
		grafanaError(w, 400, "bad request data: "+err.Error())
		return
	}
	var uid string
	var queries []backend.DataQuery
	for _, raw := range body.Queries {
		var q struct {
			RefID         string `json:"refId"`
			QueryType     string `json:"queryType"`
			Datasource    *dsRef `json:"datasource"`
			IntervalMs    int64  `json:"intervalMs"`
			MaxDataPoints int64  `json:"maxDataPoints"`
		}
		if err := json.Unmarshal(raw, &q); err != nil {
			grafanaError(w, 400, "bad request data: "+err.Error())
			return
		}
		if q.Datasource == nil || q.Datasource.UID == "" {
			grafanaError(w, 400, "Query missing datasource info: "+q.RefID)
			return
		}
		if q.Datasource.UID == "__expr__" {
			grafanaError(w, 400, "grafana-api-fake does not evaluate server-side expressions (__expr__)")
			return
		}
		if uid != "" && uid != q.Datasource.UID {
			grafanaError(w, 400, "grafana-api-fake: queries of several datasources in one request are not supported")
			return
		}
		uid = q.Datasource.UID
		if q.IntervalMs == 0 {
			q.IntervalMs = 1000
		}
		if q.MaxDataPoints == 0 {
			q.MaxDataPoints = 100
		}
		if q.RefID == "" {
			q.RefID = "A"
		}
		queries = append(queries, backend.DataQuery{
			RefID: q.RefID, QueryType: q.QueryType, MaxDataPoints: q.MaxDataPoints,
			Interval: time.Duration(q.IntervalMs) * time.Millisecond, TimeRange: backend.TimeRange{From: from, To: to}, JSON: raw,
		})
	}
	_, pctx, ok := s.lookup(uid)
	if !ok {
		grafanaError(w, 404, "Data source not found")
		return
	}
	resp, err := s.backend.QueryData(r.Context(), &backend.QueryDataRequest{PluginContext: pctx, Queries: queries, Headers: map[string]string{}})
	if err != nil {
		grafanaError(w, 500, "Query data error: "+err.Error())
		return
	}
	// Grafana answers 400 when any query failed (and 207 with the datasourceQueryMultiStatus feature).
	status := http.StatusOK
	for _, res := range resp.Responses {
		if res.Error != nil {
			status = http.StatusBadRequest
		}
	}
	out, err := resp.MarshalJSON()
	if err != nil {
		grafanaError(w, 500, "marshal query response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// ---- datasources ----

// dto is Grafana's dtos.DataSource.
func (s *Server) dto(d *Datasource) map[string]any {
	fields := map[string]bool{}
	for k := range d.SecureJSONData {
		fields[k] = true
	}
	return map[string]any{
		"id": d.ID, "uid": d.UID, "orgId": d.OrgID, "name": d.Name, "type": d.Type,
		"typeLogoUrl": "public/plugins/" + s.app.JSON.ID + "/datasource/img/logo.svg", "typeName": s.ds.JSON.Name,
		"access": d.Access, "url": d.URL, "user": d.User, "database": d.Database,
		"basicAuth": d.BasicAuth, "basicAuthUser": d.BasicAuthUser, "withCredentials": false,
		"isDefault": d.IsDefault, "jsonData": d.JSONData, "secureJsonFields": fields,
		"version": d.Version, "readOnly": d.ReadOnly, "apiVersion": "",
	}
}

func (s *Server) handleListDatasources(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var list []map[string]any
	uids := make([]string, 0, len(s.datasources))
	for uid := range s.datasources {
		uids = append(uids, uid)
	}
	sort.Strings(uids)
	for _, uid := range uids {
		list = append(list, s.dto(s.datasources[uid]))
	}
	s.mu.Unlock()
	writeJSON(w, 200, list)
}

func (s *Server) handleGetDatasource(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d, ok := s.datasources[r.PathValue("uid")]
	var out map[string]any
	if ok {
		out = s.dto(d)
	}
	s.mu.Unlock()
	if !ok {
		grafanaError(w, 404, "Data source not found")
		return
	}
	writeJSON(w, 200, out)
}

func (s *Server) handlePutDatasource(w http.ResponseWriter, r *http.Request) {
	var cmd struct {
		Name           *string           `json:"name"`
		Type           string            `json:"type"`
		Access         string            `json:"access"`
		URL            *string           `json:"url"`
		User           *string           `json:"user"`
		Database       *string           `json:"database"`
		BasicAuth      *bool             `json:"basicAuth"`
		BasicAuthUser  *string           `json:"basicAuthUser"`
		IsDefault      *bool             `json:"isDefault"`
		JSONData       map[string]any    `json:"jsonData"`
		SecureJSONData map[string]string `json:"secureJsonData"`
		Version        int               `json:"version"`
	}
	if err := json.NewDecoder(r.Body).Decode(&cmd); err != nil {
		grafanaError(w, 400, "bad request data: "+err.Error())
		return
	}
	s.mu.Lock()
	d, ok := s.datasources[r.PathValue("uid")]
	if !ok {
		s.mu.Unlock()
		grafanaError(w, 404, "Data source not found")
		return
	}
	if d.ReadOnly {
		s.mu.Unlock()
		grafanaError(w, 403, "Cannot update read-only data source")
		return
	}
	if cmd.Version != 0 && cmd.Version < d.Version {
		s.mu.Unlock()
		grafanaError(w, 409, "Datasource has already been updated by someone else. Please reload and try again")
		return
	}
	if cmd.Type != "" && cmd.Type != d.Type {
		s.mu.Unlock()
		grafanaError(w, 400, "the datasource type cannot be changed")
		return
	}
	if cmd.Name != nil {
		if strings.TrimSpace(*cmd.Name) == "" {
			s.mu.Unlock()
			grafanaError(w, 400, "Failed to update datasource: data source name cannot be empty")
			return
		}
		d.Name = *cmd.Name
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&d.URL, cmd.URL)
	set(&d.User, cmd.User)
	set(&d.Database, cmd.Database)
	set(&d.BasicAuthUser, cmd.BasicAuthUser)
	if cmd.BasicAuth != nil {
		d.BasicAuth = *cmd.BasicAuth
	}
	if cmd.IsDefault != nil {
		d.IsDefault = *cmd.IsDefault
	}
	if cmd.Access != "" {
		d.Access = cmd.Access
	}
	if cmd.JSONData != nil {
		d.JSONData = cmd.JSONData
	}
	// Grafana keeps secure values that the update does not name, and replaces those it names.
	for k, v := range cmd.SecureJSONData {
		d.SecureJSONData[k] = v
	}
	d.Version++
	// A later Updated makes the SDK's instance manager create a new datasource instance.
	if now := time.Now(); now.Sub(d.Updated) < time.Millisecond {
		d.Updated = d.Updated.Add(time.Millisecond)
	} else {
		d.Updated = now
	}
	out := s.dto(d)
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"datasource": out, "id": out["id"], "name": out["name"], "message": "Datasource updated"})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	_, pctx, ok := s.lookup(r.PathValue("uid"))
	if !ok {
		grafanaError(w, 404, "Data source not found")
		return
	}
	res, err := s.backend.CheckHealth(r.Context(), pctx)
	if err != nil {
		grafanaError(w, 500, "Plugin health check failed: "+err.Error())
		return
	}
	payload := map[string]any{"status": res.Status.String(), "message": res.Message}
	if len(res.JSONDetails) > 0 {
		var details any
		if json.Unmarshal(res.JSONDetails, &details) == nil {
			payload["details"] = details
		}
	}
	// Grafana answers 400 with the same payload when the status is not OK.
	status := 200
	if res.Status != backend.HealthStatusOk {
		status = 400
	}
	writeJSON(w, status, payload)
}

func (s *Server) handleResource(w http.ResponseWriter, r *http.Request) {
	_, pctx, ok := s.lookup(r.PathValue("uid"))
	if !ok {
		grafanaError(w, 404, "Data source not found")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		grafanaError(w, 400, err.Error())
		return
	}
	path := r.PathValue("path")
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	res, err := s.backend.CallResource(r.Context(), pctx, r.Method, path, body)
	if err != nil {
		grafanaError(w, 500, "Failed to call resource: "+err.Error())
		return
	}
	for k, vs := range res.Headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(res.Status)
	_, _ = w.Write(res.Body)
}

// ---- app plugin settings ----

func (s *Server) pluginFor(id string) (*harness.Plugin, map[string]any) {
	switch id {
	case s.app.JSON.ID:
		return s.app, s.appRaw
	case s.ds.JSON.ID:
		return s.ds, s.dsRaw
	}
	return nil, nil
}

func (s *Server) handleGetPluginSettings(w http.ResponseWriter, r *http.Request) {
	p, raw := s.pluginFor(r.PathValue("id"))
	if p == nil {
		grafanaError(w, 404, "Plugin not found, no installed plugin with that id")
		return
	}
	base := "public/plugins/" + s.app.JSON.ID
	if p == s.ds {
		base += "/datasource"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dto := map[string]any{
		"name": p.JSON.Name, "type": p.JSON.Type, "id": p.JSON.ID, "info": raw["info"], "includes": raw["includes"],
		"dependencies": raw["dependencies"], "module": base + "/module.js", "baseUrl": base,
		"enabled": true, "pinned": false, "jsonData": map[string]any{}, "secureJsonFields": map[string]bool{},
		"latestVersion": "", "hasUpdate": false, "defaultNavUrl": "/plugins/" + p.JSON.ID, "state": "",
		"signature": "unsigned", "signatureType": "", "signatureOrg": "", "angularDetected": false,
	}
	if p == s.app {
		fields := map[string]bool{}
		for k := range s.appSettings.SecureJSON {
			fields[k] = true
		}
		dto["enabled"], dto["pinned"], dto["jsonData"], dto["secureJsonFields"] = s.appSettings.Enabled, s.appSettings.Pinned, s.appSettings.JSONData, fields
	}
	writeJSON(w, 200, dto)
}

func (s *Server) handlePostPluginSettings(w http.ResponseWriter, r *http.Request) {
	p, _ := s.pluginFor(r.PathValue("id"))
	if p == nil {
		grafanaError(w, 404, "Plugin not installed")
		return
	}
	if p != s.app {
		grafanaError(w, 400, "grafana-api-fake: only the app's settings can be changed")
		return
	}
	var cmd struct {
		Enabled        *bool             `json:"enabled"`
		Pinned         *bool             `json:"pinned"`
		JSONData       map[string]any    `json:"jsonData"`
		SecureJSONData map[string]string `json:"secureJsonData"`
	}
	if err := json.NewDecoder(r.Body).Decode(&cmd); err != nil {
		grafanaError(w, 400, "bad request data: "+err.Error())
		return
	}
	s.mu.Lock()
	if cmd.Enabled != nil {
		s.appSettings.Enabled = *cmd.Enabled
	}
	if cmd.Pinned != nil {
		s.appSettings.Pinned = *cmd.Pinned
	}
	if cmd.JSONData != nil {
		s.appSettings.JSONData = cmd.JSONData
	}
	for k, v := range cmd.SecureJSONData {
		s.appSettings.SecureJSON[k] = v
	}
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"message": "Plugin settings updated"})
}

// ---- Live (fake transport) ----

// handleLive runs the plugin's stream for ?path= of datasource ?uid= and forwards every packet
// as a Server-Sent Event `data: <data frame JSON>`. Grafana Live speaks Centrifuge over a
// WebSocket; the plugin harness's GrafanaLiveSrv uses this simpler transport instead, but the
// plugin side (SubscribeStream, then RunStream until the client leaves) is what Grafana does.
func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) {
	uid, path := r.URL.Query().Get("uid"), r.URL.Query().Get("path")
	if uid == "" && path == "" {
		s.handleLiveSession(w, r)
		return
	}
	pctx, ok := s.subscribe(w, r, uid, path)
	if !ok {
		return
	}
	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(200)
	if flusher != nil {
		flusher.Flush()
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stream, err := s.backend.Stream.RunStream(ctx, runStreamRequest(pctx, path))
	if err != nil {
		fmt.Fprintf(w, "event: error\ndata: %s\n\n", jsonString(err.Error()))
		return
	}
	for {
		packet, err := stream.Recv()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, io.EOF) {
				fmt.Fprintf(w, "event: error\ndata: %s\n\n", jsonString(err.Error()))
			}
			return
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", packet.Data); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func runStreamRequest(pctx backend.PluginContext, path string) *pluginv2.RunStreamRequest {
	return &pluginv2.RunStreamRequest{PluginContext: backend.ToProto().PluginContext(pctx), Path: path}
}
