// Harness panels: FAKES of Grafana's core panel plugins (timeseries, stat, bargauge, table...).
// Those panels live in Grafana's own frontend (public/app/plugins/panel), which no registry
// serves, so scenes' VizPanel gets these instead through setPluginImportUtils. Each draws its
// series as a simple SVG line and lists, per series, the number of points, the maximum and the
// last value in a table the specs read (data-testid="harness-series").
import React from 'react';
import {
  type DataFrame,
  FieldType,
  type PanelPluginMeta,
  type PanelProps,
  PanelPlugin,
  PluginType,
  getFieldDisplayName,
} from '@grafana/data';

interface SeriesSummary {
  name: string;
  times: number[];
  values: Array<number | null>;
}

export function summarise(frames: DataFrame[]): SeriesSummary[] {
  const out: SeriesSummary[] = [];
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      const values: Array<number | null> = [];
      for (let i = 0; i < field.values.length; i++) {
        const v = field.values[i];
        values.push(v === null || v === undefined || Number.isNaN(v) ? null : Number(v));
      }
      out.push({
        name: getFieldDisplayName(field, frame, frames),
        times: time ? Array.from(time.values as number[]) : [],
        values,
      });
    }
  }
  return out;
}

const COLORS = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9'];

function HarnessPanel(props: PanelProps & { panelType: string }) {
  const { data, width, height, panelType } = props;
  const series = summarise(data.series);
  const plotH = Math.max(40, Math.min(height - 24 - 22 * series.length, height * 0.7));
  const from = data.timeRange.from.valueOf();
  const to = data.timeRange.to.valueOf();
  let max = 0;
  for (const s of series) {
    for (const v of s.values) {
      if (v !== null && v > max) {
        max = v;
      }
    }
  }
  const x = (t: number) => ((t - from) / Math.max(1, to - from)) * (width - 4) + 2;
  const y = (v: number) => plotH - 2 - (max > 0 ? (v / max) * (plotH - 4) : 0);
  return (
    <div data-testid="harness-panel" data-panel-type={panelType} data-state={data.state} style={{ width, height, overflow: 'auto', fontSize: 11 }}>
      {(data.errors ?? []).map((e, i) => (
        // Grafana shows a panel's query error in its header; the harness panel also prints it.
        <div key={i} data-testid="harness-panel-error" style={{ color: '#ff5286' }}>
          {e.refId ? `${e.refId}: ` : ''}
          {e.message}
        </div>
      ))}
      {panelType === 'timeseries' && (
        <svg width={width} height={plotH} style={{ display: 'block' }}>
          {series.map((s, i) => (
            <polyline
              key={s.name + i}
              fill="none"
              stroke={COLORS[i % COLORS.length]}
              strokeWidth={1.5}
              points={s.values
                .map((v, j) => (v === null || s.times[j] === undefined ? '' : `${x(s.times[j]).toFixed(1)},${y(v).toFixed(1)}`))
                .filter(Boolean)
                .join(' ')}
            />
          ))}
        </svg>
      )}
      {series.length === 0 ? (
        <div data-testid="harness-panel-nodata">No data</div>
      ) : (
        <table style={{ width: '100%' }}>
          <tbody>
            {series.map((s, i) => {
              const nonNull = s.values.filter((v): v is number => v !== null);
              const smax = nonNull.length ? Math.max(...nonNull) : null;
              const last = nonNull.length ? nonNull[nonNull.length - 1] : null;
              return (
                <tr
                  key={s.name + i}
                  data-testid="harness-series"
                  data-name={s.name}
                  data-points={nonNull.length}
                  data-max={smax ?? ''}
                  data-last={last ?? ''}
                  data-last-time={s.times[s.times.length - 1] ?? ''}
                  data-step={s.times.length > 1 ? s.times[1] - s.times[0] : ''}
                  data-median={nonNull.length ? [...nonNull].sort((a, b) => a - b)[Math.floor(nonNull.length / 2)] : ''}
                >
                  <td style={{ color: COLORS[i % COLORS.length] }}>{s.name}</td>
                  <td>{nonNull.length} points</td>
                  <td>max {smax ?? '-'}</td>
                  <td>last {last ?? '-'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

const cache = new Map<string, PanelPlugin>();

/** The harness panel standing in for Grafana's core panel `id`. */
export function harnessPanelPlugin(id: string): PanelPlugin {
  let plugin = cache.get(id);
  if (!plugin) {
    const Panel = (props: PanelProps) => <HarnessPanel {...props} panelType={id} />;
    plugin = new PanelPlugin(Panel);
    plugin.meta = {
      id,
      name: `${id} (plugin harness panel)`,
      type: PluginType.panel,
      sort: 0,
      module: 'core:plugin/' + id,
      baseUrl: '',
      info: {
        author: { name: 'plugin harness' },
        description: `Fake of Grafana's ${id} panel for the plugin harness`,
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '13.2.2',
      },
      skipDataQuery: false,
    } as PanelPluginMeta;
    cache.set(id, plugin);
  }
  return plugin;
}
