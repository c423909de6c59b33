package plugin

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/experimental/datasourcetest"
)

// testPlugin is the datasource served over real gRPC by the SDK's datasourcetest.
type testPlugin struct {
	datasourcetest.TestPlugin
	Addr string
}

var (
	pluginOnce sync.Once
	pluginSrv  *testPlugin
	pluginErr  error
)

// startPlugin serves the plugin once per test binary (the SDK registers its metrics globally);
// shutting it down is a no-op, the process end closes it.
func startPlugin() (*testPlugin, error) {
	pluginOnce.Do(func() { pluginSrv, pluginErr = servePlugin() })
	return pluginSrv, pluginErr
}

// Shutdown keeps the shared server running for the other tests.
func (p *testPlugin) Shutdown() {}

func servePlugin() (*testPlugin, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	tp, err := datasourcetest.Manage(NewDatasource, datasourcetest.ManageOpts{Address: addr})
	if err != nil {
		return nil, fmt.Errorf("cannot serve the plugin on %s: %v", addr, err)
	}
	return &testPlugin{TestPlugin: tp, Addr: addr}, nil
}

// pluginCtx names a datasource instance; the uid keeps instances with different settings apart.
func pluginCtx(uid, vmURL, jsonData string, secure map[string]string) backend.PluginContext {
	s := &backend.DataSourceInstanceSettings{UID: uid, URL: vmURL, JSONData: []byte(jsonData), DecryptedSecureJSONData: secure, Updated: time.Unix(1, 0)}
	if secure["basicAuthPassword"] != "" {
		s.BasicAuthEnabled, s.BasicAuthUser = true, secure["user"]
	}
	return backend.PluginContext{PluginID: PluginID, DataSourceInstanceSettings: s}
}

func (p *testPlugin) health(pc backend.PluginContext) (*backend.CheckHealthResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return p.Client.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: pc})
}
