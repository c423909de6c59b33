package fakegrafana

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hifreq/netmon/tests/grafana/harness"
)

// newFake starts the fake in front of the real plugin build and a real, empty VictoriaMetrics.
func newFake(t *testing.T) (*httptest.Server, *harness.VM) {
	t.Helper()
	root := harness.RepoRoot(t)
	dist := os.Getenv("HIFREQ_DIST_DIR")
	if dist == "" {
		dist = filepath.Join(root, "dist")
	}
	if _, err := os.Stat(filepath.Join(dist, "plugin.json")); err != nil {
		t.Fatalf("no plugin build in %s (%v): run `npm run build` at the repository root first", dist, err)
	}
	vm := harness.StartVM(t)
	t.Setenv("HIFREQ_VM_URL", vm.URL)
	s, err := New(Config{DistDir: dist, ProvisioningDir: filepath.Join(root, "provisioning"), LogDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, vm
}

func call(t *testing.T, method, url string, body any) (int, map[string]any, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, string(raw)
}

// TestFakeGrafanaAPI checks the fake's HTTP shapes against the real plugin: health, a settings
// change reaching a new plugin instance, /api/ds/query errors, resources and the alerting store.
func TestFakeGrafanaAPI(t *testing.T) {
	srv, vm := newFake(t)
	ds := srv.URL + "/api/datasources/uid/hifreq-vm"

	status, body, raw := call(t, "GET", ds+"/health", nil)
	if status != 200 || body["status"] != "OK" || !strings.HasPrefix(body["message"].(string), "VictoriaMetrics at "+vm.URL+" is reachable") {
		t.Fatalf("health = %d %s", status, raw)
	}

	// PUT new settings: Grafana recreates the instance, so health now checks the new URL.
	status, _, raw = call(t, "PUT", ds, map[string]any{"name": "HiFreq VictoriaMetrics", "type": "hifreq-netmon-datasource", "url": "http://127.0.0.1:1", "access": "proxy", "jsonData": map[string]any{"clusterLabel": "cluster"}, "secureJsonData": map[string]string{"basicAuthPassword": "s3cret"}})
	if status != 200 {
		t.Fatalf("PUT = %d %s", status, raw)
	}
	status, body, raw = call(t, "GET", ds, nil)
	if status != 200 || body["url"] != "http://127.0.0.1:1" || body["version"].(float64) != 2 {
		t.Fatalf("GET after PUT = %d %s", status, raw)
	}
	if f, _ := body["secureJsonFields"].(map[string]any); f["basicAuthPassword"] != true || strings.Contains(raw, "s3cret") {
		t.Errorf("secureJsonFields = %v; the secret itself must never be returned (%s)", f, raw)
	}
	status, body, raw = call(t, "GET", ds+"/health", nil)
	if status != 400 || body["status"] != "ERROR" || !strings.Contains(body["message"].(string), "127.0.0.1:1") {
		t.Errorf("health of an unreachable URL = %d %s; want 400, ERROR, naming 127.0.0.1:1", status, raw)
	}
	call(t, "PUT", ds, map[string]any{"url": vm.URL})
	if status, body, raw = call(t, "GET", ds+"/health", nil); status != 200 || body["status"] != "OK" {
		t.Errorf("health after restoring the URL = %d %s", status, raw)
	}

	// /api/ds/query: a per-query error is HTTP 400 with the error in results.A.
	status, body, raw = call(t, "POST", srv.URL+"/api/ds/query", map[string]any{
		"from": "now-5m", "to": "now",
		"queries": []map[string]any{{"refId": "A", "datasource": map[string]string{"uid": "hifreq-vm", "type": "hifreq-netmon-datasource"}, "queryType": "signal", "cluster": "c", "job": "j", "signal": "bogus"}},
	})
	res, _ := body["results"].(map[string]any)
	a, _ := res["A"].(map[string]any)
	if status != 400 || a == nil || !strings.HasPrefix(a["error"].(string), `unknown signal "bogus"`) || a["status"].(float64) != 400 {
		t.Errorf("ds/query with an unknown signal = %d %s", status, raw)
	}
	status, _, raw = call(t, "POST", srv.URL+"/api/ds/query", map[string]any{"queries": []map[string]any{{"refId": "A", "datasource": map[string]string{"uid": "nope"}}}})
	if status != 404 || !strings.Contains(raw, "Data source not found") {
		t.Errorf("ds/query of an unknown datasource = %d %s", status, raw)
	}

	// Resources go to CallResource with the query string.
	if status, _, raw = call(t, "GET", ds+"/resources/clusters", nil); status != 200 || !strings.Contains(raw, `"clusters"`) {
		t.Errorf("resources/clusters = %d %s", status, raw)
	}

	// Live: a malformed channel path is refused by the plugin's SubscribeStream.
	if status, _, raw = call(t, "GET", srv.URL+"/api/live/harness?uid=hifreq-vm&path=signal/x", nil); status != 404 {
		t.Errorf("live with a malformed path = %d %s", status, raw)
	}

	// Live session: every channel of a page over one connection (as Grafana Live's WebSocket).
	liveSessionChecks(t, srv.URL)

	// Alerting provisioning store.
	rules := srv.URL + "/api/v1/provisioning/alert-rules"
	rule := map[string]any{
		"uid": "r1", "title": "HiFreq test", "folderUID": "hifreq", "ruleGroup": "g", "condition": "B", "for": "0s",
		"noDataState": "OK", "execErrState": "Error",
		"data": []map[string]any{
			{"refId": "A", "datasourceUid": "hifreq-vm", "model": map[string]any{"refId": "A"}},
			{"refId": "B", "datasourceUid": "__expr__", "model": map[string]any{"type": "threshold"}},
		},
	}
	if status, _, raw = call(t, "POST", rules, rule); status != 400 || !strings.Contains(raw, `folder with uid \"hifreq\" not found`) {
		t.Errorf("rule in a missing folder = %d %s", status, raw)
	}
	call(t, "POST", srv.URL+"/api/folders", map[string]any{"uid": "hifreq", "title": "HiFreq"})
	bad := map[string]any{}
	for k, v := range rule {
		bad[k] = v
	}
	bad["condition"] = "C"
	if status, body, _ = call(t, "POST", rules, bad); status != 400 || body["message"] != "invalid alert rule: condition C does not exist, must be one of [A,B]" {
		t.Errorf("rule with an unknown condition = %d %v", status, body)
	}
	delete(bad, "title")
	bad["condition"] = "B"
	if status, body, _ = call(t, "POST", rules, bad); status != 400 || body["message"] != "invalid alert rule: title is empty" {
		t.Errorf("rule without title = %d %v", status, body)
	}
	if status, body, raw = call(t, "POST", rules, rule); status != 201 || body["uid"] != "r1" || body["provenance"] != "api" {
		t.Fatalf("create rule = %d %s", status, raw)
	}
	if status, _, _ = call(t, "POST", rules, rule); status != 409 {
		t.Errorf("creating the same rule twice = %d, want 409", status)
	}
	if status, _, raw = call(t, "GET", srv.URL+"/api/prometheus/grafana/api/v1/rules", nil); status != 200 || !strings.Contains(raw, `"queriedDatasourceUIDs":["hifreq-vm"]`) {
		t.Errorf("prometheus rules = %d %s", status, raw)
	}
	if status, _, _ = call(t, "DELETE", rules+"/r1", nil); status != 204 {
		t.Errorf("delete = %d", status)
	}
	if status, _, _ = call(t, "GET", rules+"/r1", nil); status != 404 {
		t.Errorf("get deleted rule = %d, want 404", status)
	}
}

// liveSessionChecks opens a multiplexed Live session, subscribes a channel into it (and refuses a
// malformed path and an unknown session), and unsubscribes.
func liveSessionChecks(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/api/live/harness")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("live session = %d %s", resp.StatusCode, ct)
	}
	rd := bufio.NewReader(resp.Body)
	var event, data string
	for event == "" || data == "" {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the session event: %v", err)
		}
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = strings.TrimSpace(v)
		} else if v, ok := strings.CutPrefix(line, "data: "); ok {
			data = strings.TrimSpace(v)
		}
	}
	var session string
	if err := json.Unmarshal([]byte(data), &session); event != "session" || err != nil || session == "" {
		t.Fatalf("first event = %q %q, want the session id", event, data)
	}
	sub := base + "/api/live/harness/subscribe?session=" + session
	if status, _, raw := call(t, "POST", sub+"&sub=1&uid=hifreq-vm&path=signal/x", nil); status != 404 {
		t.Errorf("subscribe with a malformed path = %d %s", status, raw)
	}
	if status, _, raw := call(t, "POST", base+"/api/live/harness/subscribe?session=nope&sub=1&uid=hifreq-vm&path=signal/*/*/ib_rx_bits", nil); status != 404 {
		t.Errorf("subscribe to an unknown session = %d %s", status, raw)
	}
	if status, _, raw := call(t, "POST", sub+"&sub=2&uid=hifreq-vm&path=signal/*/*/ib_rx_bits", nil); status != 200 {
		t.Errorf("subscribe = %d %s", status, raw)
	}
	if status, _, raw := call(t, "POST", base+"/api/live/harness/unsubscribe?session="+session+"&sub=2", nil); status != 200 {
		t.Errorf("unsubscribe = %d %s", status, raw)
	}
}
