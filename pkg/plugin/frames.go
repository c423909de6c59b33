package plugin

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// toFrame joins series into one wide time-series frame: a time field and one float64 value
// field per series, labelled with the series' labels. Panels read it directly, and Grafana's
// alert engine turns each labelled field into its own series (one alert instance per label
// set). One wide frame costs Grafana far less to decode than one frame per series (7x less for
// 128 series x 3600 points). Points at or before `after` are left out (live streaming).
// A series with a point at every time of the frame gets a plain float64 field; a series
// without a point at some time gets a nullable field with a null there.
func toFrame(ss []series, unit, executed string, addLabels map[string]string, after time.Time) *data.Frame {
	sort.Slice(ss, func(i, j int) bool { return labelKey(ss[i].Labels) < labelKey(ss[j].Labels) })
	afterMs := int64(math.MinInt64)
	if !after.IsZero() {
		afterMs = after.UnixMilli()
	}
	ms, aligned := unionTimes(ss, afterMs)
	if len(ms) == 0 {
		return nil
	}
	times := make([]time.Time, len(ms))
	for i, t := range ms {
		times[i] = time.UnixMilli(t).UTC()
	}
	frame := data.NewFrame("", data.NewField("time", nil, times))
	frame.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, TypeVersion: data.FrameTypeVersion{0, 1}, ExecutedQueryString: executed}
	var pos map[int64]int
	for _, s := range ss {
		skip := sort.Search(len(s.Times), func(i int) bool { return s.Times[i] > afterMs })
		var f *data.Field
		if aligned || slices.Equal(s.Times[skip:], ms) {
			f = data.NewField("value", frameLabels(s.Labels, addLabels), s.Values[skip:])
		} else {
			if pos == nil {
				pos = make(map[int64]int, len(ms))
				for i, t := range ms {
					pos[t] = i
				}
			}
			backing := make([]float64, len(ms))
			vals := make([]*float64, len(ms))
			for i, t := range s.Times {
				if j, ok := pos[t]; ok {
					backing[j] = s.Values[i]
					vals[j] = &backing[j]
				}
			}
			f = data.NewField("value", frameLabels(s.Labels, addLabels), vals)
		}
		if unit != "" {
			f.Config = &data.FieldConfig{Unit: unit}
		}
		frame.Fields = append(frame.Fields, f)
	}
	return frame
}

// unionTimes returns the sorted times (Unix ms) after afterMs of all series, and whether every
// series has exactly these times (the common case of a range query over complete data).
func unionTimes(ss []series, afterMs int64) ([]int64, bool) {
	if len(ss) == 0 {
		return nil, true
	}
	first := ss[0].Times
	aligned := true
	for _, s := range ss[1:] {
		if !slices.Equal(s.Times, first) {
			aligned = false
			break
		}
	}
	if aligned {
		i := sort.Search(len(first), func(i int) bool { return first[i] > afterMs })
		return first[i:], true
	}
	seen := map[int64]bool{}
	var out []int64
	for _, s := range ss {
		for _, t := range s.Times {
			if t > afterMs && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out, false
}

// frameLabels drops __name__ and empty labels, renames rollup to envelope and adds the query's
// labels a series lacks (e.g. job_name on node-level signals).
func frameLabels(ls map[string]string, add map[string]string) data.Labels {
	out := data.Labels{}
	for k, v := range ls {
		switch {
		case k == "__name__" || v == "":
		case k == "rollup":
			out["envelope"] = v
		default:
			out[k] = v
		}
	}
	for k, v := range add {
		if out[k] == "" {
			out[k] = v
		}
	}
	return out
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
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, TypeVersion: data.FrameTypeVersion{0, 1}, ExecutedQueryString: executed}
	if notice != "" {
		f.Meta.Notices = []data.Notice{{Severity: data.NoticeSeverityInfo, Text: notice}}
	}
	return data.Frames{f}
}
