package plugin

import (
	"context"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"
)

// PluginID is the id of the datasource plugin (DESIGN.md §3).
const PluginID = "hifreq-netmon-datasource"

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ backend.StreamHandler         = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured instance of hifreq-netmon-datasource.
type Datasource struct {
	backend.CallResourceHandler
	st      Settings
	vm      *vmClient
	streams *streamRegistry
}

// NewDatasource is the instance factory given to datasource.Manage.
func NewDatasource(_ context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	st, err := LoadSettings(s)
	if err != nil {
		return nil, err
	}
	d := &Datasource{st: st, vm: newVMClient(st), streams: newStreamRegistry()}
	d.CallResourceHandler = httpadapter.New(d.routes())
	return d, nil
}

// Dispose stops the instance's streams and closes idle connections.
func (d *Datasource) Dispose() {
	d.streams.stopAll()
	d.vm.close()
}
