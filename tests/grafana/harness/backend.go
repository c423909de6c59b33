package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// GrafanaVersion is the Grafana the plugin is built against (DESIGN §4); the harness tells the
// plugin it runs in this version, as Grafana does through GF_VERSION.
const GrafanaVersion = "13.2.2"

// Backend is a backend plugin binary started exactly as Grafana starts it: hashicorp go-plugin,
// handshake {ProtocolVersion 2, MagicCookieKey grafana_plugin_type, MagicCookieValue datasource},
// gRPC only, and the v2 plugin set (diagnostics, resource, data, stream).
type Backend struct {
	PluginID string
	LogPath  string

	client      *goplugin.Client
	logFile     *os.File
	Diagnostics grpcplugin.DiagnosticsClient
	Resource    grpcplugin.ResourceClient
	Data        grpcplugin.DataClient
	Stream      grpcplugin.StreamClient
}

// handshake is Grafana's (pkg/plugins/backendplugin/grpcplugin): the values must never change.
var handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  grpcplugin.ProtocolVersion,  // 2
	MagicCookieKey:   grpcplugin.MagicCookieKey,   // grafana_plugin_type
	MagicCookieValue: grpcplugin.MagicCookieValue, // datasource
}

// v2PluginSet is the plugin set Grafana dispenses from every backend plugin.
func v2PluginSet() goplugin.PluginSet {
	return goplugin.PluginSet{
		"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
		"resource":    &grpcplugin.ResourceGRPCPlugin{},
		"data":        &grpcplugin.DataGRPCPlugin{},
		"stream":      &grpcplugin.StreamGRPCPlugin{},
	}
}

// StartBackend starts the plugin's executable and dispenses its gRPC services. The plugin's own
// log (stderr, hclog JSON lines) goes to a file in the test's temp dir.
func StartBackend(t testing.TB, p *Plugin) *Backend {
	t.Helper()
	exe := p.ExecutablePath()
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("backend binary of %s is missing (%v): build it with `npm run build` (or `npm run build:backend`)", p.JSON.ID, err)
	}
	logPath := filepath.Join(t.TempDir(), p.JSON.ID+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("create plugin log: %v", err)
	}
	client := newPluginClient(p, logFile)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			client.Kill()
			logFile.Close()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			data, _ := os.ReadFile(logPath)
			t.Logf("plugin %s log (%s):\n%s", p.JSON.ID, logPath, tail(string(data), 60))
		}
	})
	rpc, err := client.Client()
	if err != nil {
		data, _ := os.ReadFile(logPath)
		t.Fatalf("go-plugin handshake with %s failed: %v\nplugin log:\n%s", exe, err, tail(string(data), 40))
	}
	b, err := dispenseV2(p, logPath, client, rpc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newPluginClient is the go-plugin client Grafana uses for a backend plugin: its executable with
// Grafana's plugin environment, the v2 handshake, gRPC only.
func newPluginClient(p *Plugin, logFile *os.File) *goplugin.Client {
	cmd := exec.Command(p.ExecutablePath())
	// Grafana's PluginEnvVars: GF_VERSION, GF_EDITION, GF_PLUGIN_VERSION...; go-plugin adds the
	// host environment and the handshake cookie.
	cmd.Env = []string{
		"GF_VERSION=" + GrafanaVersion,
		"GF_EDITION=oss",
		"GF_PLUGIN_VERSION=" + p.JSON.Info.Version,
	}
	return goplugin.NewClient(&goplugin.ClientConfig{
		Cmd:              cmd,
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: v2PluginSet()},
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: "plugin." + p.JSON.ID, Output: logFile, Level: hclog.Trace,
		}),
		SyncStdout:   logFile,
		SyncStderr:   logFile,
		StartTimeout: 30 * time.Second,
	})
}

// dispenseV2 dispenses the four v2 services from a started client.
func dispenseV2(p *Plugin, logPath string, client *goplugin.Client, rpc goplugin.ClientProtocol) (*Backend, error) {
	b := &Backend{PluginID: p.JSON.ID, LogPath: logPath, client: client}
	raws := map[string]any{}
	for _, name := range []string{"diagnostics", "resource", "data", "stream"} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			return nil, fmt.Errorf("dispense %q from %s: %v", name, p.JSON.ID, err)
		}
		raws[name] = raw
	}
	b.Diagnostics = raws["diagnostics"].(grpcplugin.DiagnosticsClient)
	b.Resource = raws["resource"].(grpcplugin.ResourceClient)
	b.Data = raws["data"].(grpcplugin.DataClient)
	b.Stream = raws["stream"].(grpcplugin.StreamClient)
	return b, nil
}

// LaunchBackend starts the plugin's executable as StartBackend does, for programs that are not
// tests (the grafana-api-fake command): the plugin's log goes to logPath; Kill stops it.
func LaunchBackend(p *Plugin, logPath string) (*Backend, error) {
	exe := p.ExecutablePath()
	if _, err := os.Stat(exe); err != nil {
		return nil, fmt.Errorf("backend binary of %s is missing (%v): build it with `npm run build` (or `npm run build:backend`)", p.JSON.ID, err)
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create plugin log: %w", err)
	}
	client := newPluginClient(p, logFile)
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		logFile.Close()
		data, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("go-plugin handshake with %s failed: %v\nplugin log:\n%s", exe, err, tail(string(data), 40))
	}
	b, err := dispenseV2(p, logPath, client, rpc)
	if err != nil {
		client.Kill()
		logFile.Close()
		return nil, err
	}
	b.logFile = logFile
	return b, nil
}

// Kill stops a backend started with LaunchBackend.
func (b *Backend) Kill() {
	b.client.Kill()
	if b.logFile != nil {
		b.logFile.Close()
	}
}

// Exited reports whether the plugin process has ended (it crashed or was killed).
func (b *Backend) Exited() bool { return b.client.Exited() }

// Log returns the plugin's log so far.
func (b *Backend) Log() string {
	data, _ := os.ReadFile(b.LogPath)
	return string(data)
}

func tail(s string, n int) string {
	lines := splitLines(s)
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// DatasourceContext builds the PluginContext Grafana sends with every call for a provisioned
// datasource: org 1, the admin user, the datasource's instance settings (jsonData as JSON,
// secureJsonData decrypted), and Grafana's config.
func DatasourceContext(pluginID, pluginVersion string, id int64, ds ProvisionedDatasource) (backend.PluginContext, error) {
	jsonData := ds.JSONData
	if jsonData == nil {
		jsonData = map[string]any{}
	}
	raw, err := json.Marshal(jsonData)
	if err != nil {
		return backend.PluginContext{}, fmt.Errorf("jsonData of %s: %w", ds.UID, err)
	}
	secure := ds.SecureJSONData
	if secure == nil {
		secure = map[string]string{}
	}
	return backend.PluginContext{
		OrgID:         ds.OrgID,
		PluginID:      pluginID,
		PluginVersion: pluginVersion,
		User:          &backend.User{Login: "admin", Name: "admin", Email: "admin@localhost", Role: "Admin"},
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{
			ID:                      id,
			UID:                     ds.UID,
			Type:                    ds.Type,
			Name:                    ds.Name,
			URL:                     ds.URL,
			User:                    ds.User,
			Database:                ds.Database,
			BasicAuthEnabled:        ds.BasicAuth,
			BasicAuthUser:           ds.BasicAuthUser,
			JSONData:                raw,
			DecryptedSecureJSONData: secure,
			Updated:                 time.Now().Truncate(time.Second),
		},
	}, nil
}

// CheckHealth calls the plugin's CheckHealth over gRPC, as /api/datasources/uid/<uid>/health does.
func (b *Backend) CheckHealth(ctx context.Context, pctx backend.PluginContext) (*backend.CheckHealthResult, error) {
	res, err := b.Diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: backend.ToProto().PluginContext(pctx)})
	if err != nil {
		return nil, err
	}
	return backend.FromProto().CheckHealthResponse(res), nil
}

// QueryData calls the plugin's QueryData over gRPC, as POST /api/ds/query and alert evaluation do.
func (b *Backend) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	res, err := b.Data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().QueryDataResponse(res)
}

// CallResource calls the plugin's CallResource over gRPC, as
// /api/datasources/uid/<uid>/resources/<path> does, and collects the streamed answer.
func (b *Backend) CallResource(ctx context.Context, pctx backend.PluginContext, method, path string, body []byte) (*backend.CallResourceResponse, error) {
	// Like Grafana: Path is the part after .../resources/ without the query string; URL is the
	// whole request URL with it.
	resourcePath, _, _ := strings.Cut(path, "?")
	stream, err := b.Resource.CallResource(ctx, backend.ToProto().CallResourceRequest(&backend.CallResourceRequest{
		PluginContext: pctx,
		Path:          resourcePath,
		Method:        method,
		URL:           "/api/datasources/uid/" + pctx.DataSourceInstanceSettings.UID + "/resources/" + path,
		Body:          body,
		Headers:       map[string][]string{"Content-Type": {"application/json"}},
	}))
	if err != nil {
		return nil, err
	}
	var out *backend.CallResourceResponse
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		part := backend.FromProto().CallResourceResponse(msg)
		if out == nil {
			out = part
		} else {
			out.Body = append(out.Body, part.Body...)
		}
	}
	if out == nil {
		return nil, fmt.Errorf("CallResource %s %s: the plugin sent no response", method, path)
	}
	return out, nil
}

// SubscribeStream asks the plugin whether a Grafana Live channel path may be subscribed, as
// Grafana does before it starts a stream.
func (b *Backend) SubscribeStream(ctx context.Context, pctx backend.PluginContext, path string) (backend.SubscribeStreamStatus, error) {
	res, err := b.Stream.SubscribeStream(ctx, &pluginv2.SubscribeStreamRequest{
		PluginContext: backend.ToProto().PluginContext(pctx), Path: path,
	})
	if err != nil {
		return 0, err
	}
	return backend.SubscribeStreamStatus(res.Status), nil
}

// RunStream starts the plugin's stream for path and delivers every frame it sends until ctx
// ends; the returned channel closes when the stream ends, with the error (nil when ctx ended) on
// errc.
func (b *Backend) RunStream(ctx context.Context, pctx backend.PluginContext, path string) (<-chan *data.Frame, <-chan error, error) {
	stream, err := b.Stream.RunStream(ctx, &pluginv2.RunStreamRequest{
		PluginContext: backend.ToProto().PluginContext(pctx), Path: path,
	})
	if err != nil {
		return nil, nil, err
	}
	frames := make(chan *data.Frame, 64)
	errc := make(chan error, 1)
	go func() {
		defer close(frames)
		for {
			packet, err := stream.Recv()
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, io.EOF) {
					errc <- nil
				} else {
					errc <- err
				}
				return
			}
			var f data.Frame
			if err := json.Unmarshal(packet.Data, &f); err != nil {
				errc <- fmt.Errorf("stream packet is not a data frame: %w", err)
				return
			}
			frames <- &f
		}
	}()
	return frames, errc, nil
}
