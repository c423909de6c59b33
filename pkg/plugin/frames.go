package plugin

import (
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// toFrames turns series into one numeric frame per series with labels, the multi-frame time
// series shape that panels and Grafana's alert engine (one alert instance per label set) read.
func toFrames(ss []series, unit, executed string, addLabels map[string]string) data.Frames {
	sort.Slice(ss, func(i, j int) bool { return labelKey(ss[i].Labels) < labelKey(ss[j].Labels) })
	frames := make(data.Frames, 0, len(ss))
	for _, s := range ss {
		labels := data.Labels{}
		for k, v := range s.Labels {
			switch k {
			case "__name__":
			case "rollup":
				labels["envelope"] = v
			default:
				if v != "" {
					labels[k] = v
				}
			}
		}
		for k, v := range addLabels {
			if labels[k] == "" {
				labels[k] = v
			}
		}
		val := data.NewField("value", labels, s.Values)
		if unit != "" {
			val.Config = &data.FieldConfig{Unit: unit}
		}
		f := data.NewFrame("", data.NewField("time", nil, s.Times), val)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}, ExecutedQueryString: executed}
		frames = append(frames, f)
	}
	return frames
}

func labelKey(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m[k])
		b.WriteByte(',')
	}
	return b.String()
}

// emptyFrame answers a query that matched nothing, with a notice saying why.
func emptyFrame(executed, notice string) data.Frames {
	f := data.NewFrame("", data.NewField("time", nil, []time.Time{}), data.NewField("value", nil, []float64{}))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}, ExecutedQueryString: executed}
	if notice != "" {
		f.Meta.Notices = []data.Notice{{Severity: data.NoticeSeverityInfo, Text: notice}}
	}
	return data.Frames{f}
}
