import {
  CustomVariable,
  QueryVariable,
  SceneDataTransformer,
  SceneQueryRunner,
  SwitchVariable,
  VizPanel,
  sceneGraph,
} from '@grafana/scenes';

import { DEFAULT_SETTINGS } from '../../settings';
import { buildSceneApp } from '../app';
import { DEVICE_DRILLDOWN_URL, NODE_DRILLDOWN_URL, jobNetworkScene, signalQuery } from './jobNetworkScene';
import { setLive } from './live';

const settings = { ...DEFAULT_SETTINGS, datasourceUid: 'ds-test' };

function panels(scene: ReturnType<typeof jobNetworkScene>): VizPanel[] {
  return sceneGraph.findAllObjects(scene, (o) => o instanceof VizPanel) as VizPanel[];
}

function queriesOf(panel: VizPanel) {
  let data = panel.state.$data;
  if (data instanceof SceneDataTransformer) {
    data = data.state.$data;
  }
  return (data as SceneQueryRunner).state;
}

describe('job network scene', () => {
  const scene = jobNetworkScene(settings);

  it('has the URL-synced variables cluster, job, node, device, envelope and live', () => {
    const vars = scene.state.$variables!.state.variables;
    expect(vars.map((v) => v.state.name)).toEqual(['cluster', 'job', 'node', 'device', 'envelope', 'live']);
    const [cluster, job, node] = vars as QueryVariable[];
    expect(cluster.state.datasource).toEqual({ type: 'hifreq-netmon-datasource', uid: 'ds-test' });
    expect(cluster.state.query).toEqual({ refId: 'clusters', kind: 'clusters' });
    expect(job.state.query).toEqual({ refId: 'jobs', kind: 'jobs', cluster: '$cluster' });
    expect(node.state.includeAll).toBe(true);
    expect(node.state.allValue).toBe('*');
    expect(cluster.urlSync?.getKeys()).toEqual(['var-cluster']);
    expect(job.urlSync?.getKeys()).toEqual(['var-job']);
    expect((vars[4] as CustomVariable).state.value).toBe('band');
    expect((vars[5] as SwitchVariable).getKeys()).toEqual(['var-live']);
  });

  it('has the panels of the issue, each querying the HiFreq datasource with the page variables', () => {
    const titles = panels(scene).map((p) => p.state.title);
    expect(titles).toEqual([
      'Total throughput',
      'Job receive / transmit',
      'IB receive per node',
      'IB transmit per node',
      'IB throughput per device',
      'Transmit wait (congestion)',
      'Per-node imbalance',
      'Drops',
      'Errors',
      'Link downed',
      'TCP connection states',
      'TCP retransmits',
      'Softnet drops and squeezes',
      'Pod interfaces',
    ]);
    for (const p of panels(scene)) {
      const runner = queriesOf(p);
      expect(runner.datasource).toEqual({ type: 'hifreq-netmon-datasource', uid: 'ds-test' });
      for (const q of runner.queries) {
        expect(q).toMatchObject({ queryType: 'signal', cluster: '$cluster', job: '$job', node: '$node' });
      }
    }
  });

  it('queries IB receive per node at the zoomed-out view the user picked', () => {
    const p = panels(scene).find((x) => x.state.title === 'IB receive per node')!;
    expect(queriesOf(p).queries).toEqual([
      { refId: 'A', queryType: 'signal', cluster: '$cluster', job: '$job', node: '$node', device: '$device', signal: 'ib_rx_bits', groupBy: 'node', envelope: '$envelope' },
    ]);
    expect(p.state.$data).toBeInstanceOf(SceneDataTransformer);
    expect(p.state.fieldConfig.defaults.unit).toBe('bps');
    expect(p.state.fieldConfig.defaults.links).toEqual([{ title: 'Drill down to ${__field.labels.node}', url: NODE_DRILLDOWN_URL }]);
  });

  it('drills down to a node and a device on the same page', () => {
    expect(NODE_DRILLDOWN_URL).toBe(
      '/a/hifreq-netmon-app/job?var-cluster=${cluster}&var-job=${job}&var-node=${__field.labels.node}&${__url_time_range}'
    );
    expect(DEVICE_DRILLDOWN_URL).toBe(
      '/a/hifreq-netmon-app/job?var-cluster=${cluster}&var-job=${job}&var-node=${__field.labels.node}&var-device=${__field.labels.device}&${__url_time_range}'
    );
  });

  it('does not send a device filter to node-level signals (the backend rejects it)', () => {
    expect(signalQuery({ refId: 'A', signal: 'tcp_retrans', groupBy: 'node', device: false })).toEqual({
      refId: 'A', queryType: 'signal', cluster: '$cluster', job: '$job', node: '$node', signal: 'tcp_retrans', groupBy: 'node', envelope: '$envelope',
    });
  });

  it('Live sets live on every query and back', () => {
    const s = jobNetworkScene(settings);
    const runners = sceneGraph.findAllObjects(s, (o) => o instanceof SceneQueryRunner) as SceneQueryRunner[];
    expect(setLive(s, true)).toBe(runners.length);
    expect(runners.every((r) => r.state.queries.every((q) => (q as { live?: boolean }).live === true))).toBe(true);
    expect(setLive(s, true)).toBe(0);
    expect(setLive(s, false)).toBe(runners.length);
  });
});

describe('scene app', () => {
  it('has the Jobs, Job network and Alerts pages under the app URL', () => {
    const app = buildSceneApp(settings);
    expect(app.state.pages.map((p) => [p.state.title, p.state.url])).toEqual([
      ['Jobs', '/a/hifreq-netmon-app/jobs'],
      ['Job network', '/a/hifreq-netmon-app/job'],
      ['Alerts', '/a/hifreq-netmon-app/alerts'],
    ]);
  });
});
