package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// inputError is a request mistake (as opposed to a VictoriaMetrics failure).
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

// variableValues lists the values of a dashboard variable (cluster, job, node or device) in
// [from, to], filtered by the other variables' values in q.
func (d *Datasource) variableValues(ctx context.Context, variable string, q *parsedQuery, from, to time.Time) ([]string, error) {
	names := `__name__=~"node_network_.*|node_infiniband_.*|container_network_.*|hifreq_agent_.*"`
	var label string
	filters := []string{q.cluster.filter(d.st.ClusterLabel), q.job.filter("job_name"), q.node.filter("node")}
	switch variable {
	case "cluster":
		label, filters = d.st.ClusterLabel, nil
	case "job":
		label, names = "job_name", `__name__=~"`+jobMarkerMetric+`",job_name!=""`
	case "node":
		label = "node"
	case "device":
		label, names = "device", `__name__=~"node_network_.*|node_infiniband_.*"`
	default:
		return nil, &inputError{fmt.Sprintf("unknown variable %q: use variable=cluster, job, node or device", variable)}
	}
	match := "{" + names
	for _, f := range filters {
		match += commaFilter(f)
	}
	return d.vm.labelValues(ctx, label, match+"}", from, to)
}

// variableFrame answers queryType "variable": one string field of values, the frame Grafana's
// standard variable support reads.
func variableFrame(vals []string) data.Frames {
	return data.Frames{data.NewFrame("values", data.NewField("text", nil, vals))}
}
