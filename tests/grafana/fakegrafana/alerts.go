package fakegrafana

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// alertStore is a FAKE of Grafana's alerting provisioning API (in memory, org 1): rules, folders
// and rule groups with the shapes of /api/v1/provisioning and the validation Grafana applies to a
// new or updated rule. Rules are never evaluated here (tests/grafana evaluates the provisioned
// rules through the plugin); /api/prometheus/grafana/api/v1/rules lists them as "inactive".
type alertStore struct {
	mu      sync.Mutex
	nextID  int64
	rules   map[string]map[string]any // uid → rule as the API returns it
	folders map[string]string         // uid → title
	groups  map[string]int64          // folderUID/group → interval seconds
}

func newAlertStore() *alertStore {
	return &alertStore{rules: map[string]map[string]any{}, folders: map[string]string{}, groups: map[string]int64{}}
}

func (a *alertStore) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/provisioning/alert-rules", a.list)
	mux.HandleFunc("POST /api/v1/provisioning/alert-rules", a.create)
	mux.HandleFunc("GET /api/v1/provisioning/alert-rules/{uid}", a.get)
	mux.HandleFunc("PUT /api/v1/provisioning/alert-rules/{uid}", a.update)
	mux.HandleFunc("DELETE /api/v1/provisioning/alert-rules/{uid}", a.delete)
	mux.HandleFunc("GET /api/v1/provisioning/folder/{folder}/rule-groups/{group}", a.getGroup)
	mux.HandleFunc("PUT /api/v1/provisioning/folder/{folder}/rule-groups/{group}", a.putGroup)
	mux.HandleFunc("GET /api/folders/{uid}", a.getFolder)
	mux.HandleFunc("POST /api/folders", a.createFolder)
	mux.HandleFunc("GET /api/prometheus/grafana/api/v1/rules", a.prometheusRules)
}

func (a *alertStore) list(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []map[string]any{}
	for _, rule := range a.rules {
		out = append(out, rule)
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["id"].(int64) < out[j]["id"].(int64) })
	writeJSON(w, 200, out)
}

func (a *alertStore) get(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	rule, ok := a.rules[r.PathValue("uid")]
	a.mu.Unlock()
	if !ok {
		// Grafana answers a bare 404 for an unknown rule uid.
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, 200, rule)
}

// validate applies the checks of Grafana's provisioning API (ProvisionedAlertRule's required
// fields and the rule validation of the ngalert store) and returns the normalised rule.
func (a *alertStore) validate(body map[string]any) (map[string]any, string) {
	str := func(k string) string { s, _ := body[k].(string); return s }
	if strings.TrimSpace(str("title")) == "" {
		return nil, "invalid alert rule: title is empty"
	}
	if len(str("title")) > 190 {
		return nil, "invalid alert rule: title is longer than 190 characters"
	}
	if str("folderUID") == "" {
		return nil, "invalid alert rule: folderUID is empty"
	}
	if _, ok := a.folders[str("folderUID")]; !ok {
		return nil, fmt.Sprintf("invalid alert rule: folder does not exist: folder with uid %q not found", str("folderUID"))
	}
	if strings.TrimSpace(str("ruleGroup")) == "" {
		return nil, "invalid alert rule: rule group name is empty"
	}
	if str("condition") == "" {
		return nil, "invalid alert rule: condition is empty"
	}
	data, _ := body["data"].([]any)
	if len(data) == 0 {
		return nil, "invalid alert rule: no queries or expressions are found"
	}
	refs := map[string]bool{}
	for i, d := range data {
		q, _ := d.(map[string]any)
		ref, _ := q["refId"].(string)
		ds, _ := q["datasourceUid"].(string)
		if ref == "" {
			return nil, fmt.Sprintf("invalid alert rule: query %d has no refId", i)
		}
		if refs[ref] {
			return nil, fmt.Sprintf("invalid alert rule: refId %q is used more than once", ref)
		}
		refs[ref] = true
		if ds == "" {
			return nil, fmt.Sprintf("invalid alert rule: query %s has no datasourceUid", ref)
		}
		if _, ok := q["model"].(map[string]any); !ok {
			return nil, fmt.Sprintf("invalid alert rule: query %s has no model", ref)
		}
	}
	if !refs[str("condition")] {
		return nil, fmt.Sprintf("invalid alert rule: condition %s does not exist, must be one of [%s]", str("condition"), strings.Join(sortedKeys(refs), ","))
	}
	for _, k := range []string{"noDataState", "execErrState"} {
		if str(k) == "" {
			return nil, "invalid alert rule: " + k + " is required"
		}
	}
	if v := str("noDataState"); v != "Alerting" && v != "NoData" && v != "OK" && v != "KeepLast" {
		return nil, fmt.Sprintf("invalid alert rule: unknown noDataState %q", v)
	}
	if v := str("execErrState"); v != "Alerting" && v != "Error" && v != "OK" && v != "KeepLast" {
		return nil, fmt.Sprintf("invalid alert rule: unknown execErrState %q", v)
	}
	if f, ok := body["for"].(string); !ok || f == "" {
		return nil, "invalid alert rule: for is required"
	} else if _, err := time.ParseDuration(f); err != nil {
		return nil, fmt.Sprintf("invalid alert rule: for %q is not a duration", f)
	}
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	if _, ok := out["labels"]; !ok {
		out["labels"] = map[string]string{}
	}
	if _, ok := out["annotations"]; !ok {
		out["annotations"] = map[string]string{}
	}
	out["orgID"] = int64(1)
	out["updated"] = time.Now().UTC().Format(time.RFC3339)
	return out, ""
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func provenance(r *http.Request) string {
	if r.Header.Get("X-Disable-Provenance") != "" {
		return ""
	}
	return "api"
}

func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		grafanaError(w, 400, "bad request data: "+err.Error())
		return nil, false
	}
	return body, true
}

func (a *alertStore) create(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	rule, msg := a.validate(body)
	if msg != "" {
		grafanaError(w, 400, msg)
		return
	}
	uid, _ := rule["uid"].(string)
	if uid == "" {
		uid = fmt.Sprintf("fake%010d", rand.Int64N(1e10))
		rule["uid"] = uid
	}
	if _, exists := a.rules[uid]; exists {
		grafanaError(w, 409, "a conflicting alert rule is found: rule title under the same organisation and folder should be unique")
		return
	}
	for _, other := range a.rules {
		if other["title"] == rule["title"] && other["folderUID"] == rule["folderUID"] {
			grafanaError(w, 409, "a conflicting alert rule is found: rule title under the same organisation and folder should be unique")
			return
		}
	}
	a.nextID++
	rule["id"] = a.nextID
	rule["provenance"] = provenance(r)
	a.rules[uid] = rule
	key := rule["folderUID"].(string) + "/" + rule["ruleGroup"].(string)
	if _, ok := a.groups[key]; !ok {
		a.groups[key] = 60 // Grafana's default evaluation interval for a new group
	}
	writeJSON(w, 201, rule)
}

func (a *alertStore) update(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	uid := r.PathValue("uid")
	old, exists := a.rules[uid]
	if !exists {
		grafanaError(w, 404, "rule not found")
		return
	}
	rule, msg := a.validate(body)
	if msg != "" {
		grafanaError(w, 400, msg)
		return
	}
	rule["uid"] = uid
	rule["id"] = old["id"]
	rule["provenance"] = provenance(r)
	a.rules[uid] = rule
	writeJSON(w, 200, rule)
}

func (a *alertStore) delete(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Grafana answers 204 whether or not the rule existed.
	delete(a.rules, r.PathValue("uid"))
	w.WriteHeader(http.StatusNoContent)
}

func (a *alertStore) groupRules(folder, group string) []map[string]any {
	var out []map[string]any
	for _, rule := range a.rules {
		if rule["folderUID"] == folder && rule["ruleGroup"] == group {
			out = append(out, rule)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["id"].(int64) < out[j]["id"].(int64) })
	return out
}

func (a *alertStore) getGroup(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	folder, group := r.PathValue("folder"), r.PathValue("group")
	interval, ok := a.groups[folder+"/"+group]
	if !ok {
		grafanaError(w, 404, "rule group not found under this folder")
		return
	}
	writeJSON(w, 200, map[string]any{"title": group, "folderUid": folder, "interval": interval, "rules": a.groupRules(folder, group)})
}

func (a *alertStore) putGroup(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	folder, group := r.PathValue("folder"), r.PathValue("group")
	if _, ok := a.folders[folder]; !ok {
		grafanaError(w, 400, fmt.Sprintf("folder with uid %q not found", folder))
		return
	}
	iv, _ := body["interval"].(float64)
	if iv <= 0 || iv != float64(int64(iv)) || int64(iv)%10 != 0 {
		// Grafana's base interval is 10 s: a group's interval must be a positive multiple of it.
		grafanaError(w, 400, fmt.Sprintf("invalid rule group: interval (%v) should be non-zero and divided exactly by scheduler interval: 10s", body["interval"]))
		return
	}
	a.groups[folder+"/"+group] = int64(iv)
	writeJSON(w, 200, map[string]any{"title": group, "folderUid": folder, "interval": int64(iv), "rules": a.groupRules(folder, group)})
}

func (a *alertStore) getFolder(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	uid := r.PathValue("uid")
	title, ok := a.folders[uid]
	if !ok {
		grafanaError(w, 404, "folder not found")
		return
	}
	writeJSON(w, 200, map[string]any{"uid": uid, "title": title, "url": "/dashboards/f/" + uid + "/"})
}

func (a *alertStore) createFolder(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	uid, _ := body["uid"].(string)
	title, _ := body["title"].(string)
	if strings.TrimSpace(title) == "" {
		grafanaError(w, 400, "folder title cannot be empty")
		return
	}
	if uid == "" {
		uid = fmt.Sprintf("f%09d", rand.Int64N(1e9))
	}
	if _, exists := a.folders[uid]; exists {
		grafanaError(w, 409, "a folder with the same uid already exists")
		return
	}
	a.folders[uid] = title
	writeJSON(w, 200, map[string]any{"uid": uid, "title": title, "url": "/dashboards/f/" + uid + "/"})
}

// prometheusRules lists the stored rules by group in the shape of Grafana's Prometheus-compatible
// rules API; the fake evaluates nothing, so every rule is "inactive" with no instances.
func (a *alertStore) prometheusRules(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	byGroup := map[string][]map[string]any{}
	for _, rule := range a.rules {
		key := rule["folderUID"].(string) + "/" + rule["ruleGroup"].(string)
		var dsUIDs []string
		for _, d := range rule["data"].([]any) {
			if q, ok := d.(map[string]any); ok {
				if uid, _ := q["datasourceUid"].(string); uid != "__expr__" {
					dsUIDs = append(dsUIDs, uid)
				}
			}
		}
		byGroup[key] = append(byGroup[key], map[string]any{
			"name": rule["title"], "uid": rule["uid"], "state": "inactive", "health": "ok", "type": "alerting",
			"labels": rule["labels"], "annotations": rule["annotations"], "queriedDatasourceUIDs": dsUIDs, "alerts": []any{},
		})
	}
	groups := []map[string]any{}
	keys := make([]string, 0, len(byGroup))
	for k := range byGroup {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		folder, group, _ := strings.Cut(k, "/")
		rules := byGroup[k]
		sort.Slice(rules, func(i, j int) bool { return fmt.Sprint(rules[i]["name"]) < fmt.Sprint(rules[j]["name"]) })
		groups = append(groups, map[string]any{"name": group, "file": a.folders[folder], "folderUid": folder, "rules": rules, "interval": a.groups[k]})
	}
	writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"groups": groups}})
}
