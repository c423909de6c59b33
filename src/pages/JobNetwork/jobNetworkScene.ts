import {
  CustomVariable,
  EmbeddedScene,
  PanelBuilders,
  SceneControlsSpacer,
  SceneDataLayerControls,
  SceneDataLayerSet,
  SceneDataTransformer,
  SceneGridLayout,
  SceneGridItem,
  SceneQueryRunner,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  SceneVariableSet,
  VariableValueSelectors,
  dataLayers,
  type VizPanel,
} from '@grafana/scenes';
import { BigValueGraphMode } from '@grafana/schema';

import { DATASOURCE_TYPE, ROUTES, prefixRoute } from '../../constants';
import type { GroupBy, HiFreqQuery } from '../../datasource/types';
import type { ResolvedSettings } from '../../settings';
import { SIGNALS } from '../../signals';
import { clusterVariable, jobVariable, topologyVariable } from '../variables';
import { envelopeBandTransformation } from './envelope';
import { liveBehavior, liveVariable } from './live';

type SignalQuery = {
  refId: string;
  signal: string;
  groupBy: GroupBy;
  /** use the page's zoomed-out view (`$envelope`), a fixed envelope, or none */
  envelope?: boolean | HiFreqQuery['envelope'];
  /** false for signals whose device label is not an IB/NIC device (TCP, softnet, pods, job aggregates) */
  device?: boolean;
};

/** One query of the backend's signal model, scoped to the page's variables. */
export function signalQuery({ refId, signal, groupBy, envelope = true, device = true }: SignalQuery): HiFreqQuery {
  const q: HiFreqQuery = { refId, queryType: 'signal', cluster: '$cluster', job: '$job', node: '$node', signal, groupBy };
  if (device) {
    q.device = '$device';
  }
  if (envelope === true) {
    q.envelope = '$envelope' as HiFreqQuery['envelope'];
  } else if (envelope) {
    q.envelope = envelope;
  }
  return q;
}

function runner(datasourceUid: string, queries: HiFreqQuery[], band = true) {
  const queryRunner = new SceneQueryRunner({
    datasource: { type: DATASOURCE_TYPE, uid: datasourceUid },
    queries,
    maxDataPointsFromWidth: true,
  });
  if (!band) {
    return queryRunner;
  }
  return new SceneDataTransformer({ $data: queryRunner, transformations: [envelopeBandTransformation] });
}

/** Drill-down link of a per-node series: the same page, narrowed to that node. */
export const NODE_DRILLDOWN_URL = `${prefixRoute(ROUTES.Job)}?var-cluster=\${cluster}&var-job=\${job}&var-node=\${__field.labels.node}&\${__url_time_range}`;
/** Drill-down link of a per-device series: narrowed to that node and device. */
export const DEVICE_DRILLDOWN_URL = `${prefixRoute(ROUTES.Job)}?var-cluster=\${cluster}&var-job=\${job}&var-node=\${__field.labels.node}&var-device=\${__field.labels.device}&\${__url_time_range}`;

function throughput(title: string, description: string, ds: string, queries: HiFreqQuery[], link?: 'node' | 'device'): VizPanel {
  const b = PanelBuilders.timeseries()
    .setTitle(title)
    .setDescription(description)
    .setData(runner(ds, queries))
    .setUnit('bps')
    .setMin(0)
    .setCustomFieldConfig('fillOpacity', 5)
    .setOption('legend', { showLegend: true, displayMode: 'table' as never, placement: 'bottom', calcs: ['max', 'mean'] })
    .setOption('tooltip', { mode: 'multi' as never, sort: 'desc' as never })
    .setNoValue('No data for this job in the time range');
  if (link) {
    b.setLinks([
      {
        title: link === 'node' ? 'Drill down to ${__field.labels.node}' : 'Drill down to ${__field.labels.node} ${__field.labels.device}',
        url: link === 'node' ? NODE_DRILLDOWN_URL : DEVICE_DRILLDOWN_URL,
      },
    ]);
  }
  return b.build();
}

function counterPanel(title: string, description: string, ds: string, queries: HiFreqQuery[], unit = 'cps'): VizPanel {
  return PanelBuilders.timeseries()
    .setTitle(title)
    .setDescription(description)
    .setData(runner(ds, queries))
    .setUnit(unit)
    .setMin(0)
    .setCustomFieldConfig('drawStyle', 'bars' as never)
    .setCustomFieldConfig('fillOpacity', 60)
    .setNoValue('None in the time range')
    .build();
}

function grid(x: number, y: number, width: number, height: number, body: VizPanel) {
  return new SceneGridItem({ x, y, width, height, body });
}

/** Link-state changes of the job's IB ports as annotations. */
function linkStateAnnotations(ds: string) {
  return new dataLayers.AnnotationsDataLayer({
    name: 'Link state changes',
    query: {
      name: 'Link state changes',
      enable: true,
      iconColor: 'red',
      datasource: { type: DATASOURCE_TYPE, uid: ds },
      target: signalQuery({ refId: 'anno', signal: SIGNALS.ibState, groupBy: 'device', envelope: 'min' }) as never,
    },
  });
}

/** Envelope picker: what a step shows when it covers many seconds (`band` = min-max band). */
export function envelopeVariable(): CustomVariable {
  return new CustomVariable({
    name: 'envelope',
    label: 'Zoomed-out view',
    query: 'band : band,max : max,avg : avg,min : min',
    value: 'band',
    text: 'band',
  });
}

/** Job network page: the second-level view of one job. */
export function jobNetworkScene(settings: ResolvedSettings): EmbeddedScene {
  const ds = settings.datasourceUid;
  const q = signalQuery;
  const S = SIGNALS;
  const nodeOnly = (refId: string, signal: string, groupBy: GroupBy = 'node') => q({ refId, signal, groupBy, device: false });
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: 'now-15m', to: 'now' }),
    $variables: new SceneVariableSet({
      variables: [
        clusterVariable(ds),
        jobVariable(ds),
        topologyVariable(ds, 'nodes'),
        topologyVariable(ds, 'devices'),
        envelopeVariable(),
        liveVariable(),
      ],
    }),
    $data: new SceneDataLayerSet({ layers: [linkStateAnnotations(ds)] }),
    $behaviors: [liveBehavior],
    controls: [
      new VariableValueSelectors({}),
      new SceneDataLayerControls(),
      new SceneControlsSpacer(),
      new SceneTimePicker({}),
      new SceneRefreshPicker({}),
    ],
    body: new SceneGridLayout({
      isDraggable: false,
      isResizable: false,
      children: [
        grid(0, 0, 6, 8,
          PanelBuilders.stat()
            .setTitle('Total throughput')
            .setDescription('Highest one-second receive and transmit of the whole job (IB/RDMA) in the time range')
            .setData(runner(ds, [nodeOnly('rx', S.jobRx, 'job'), nodeOnly('tx', S.jobTx, 'job')].map((x) => ({ ...x, envelope: 'max' as const })), false))
            .setUnit('bps')
            .setOption('graphMode', BigValueGraphMode.Area)
            .setOption('reduceOptions', { calcs: ['max'], values: false, fields: '' })
            .setNoValue('No data')
            .build()
        ),
        grid(6, 0, 18, 8,
          throughput('Job receive / transmit', 'Total per-second IB/RDMA throughput of the job; zoomed out, the band shows the slowest and fastest second of each step',
            ds, [nodeOnly('rx', S.jobRx, 'job'), nodeOnly('tx', S.jobTx, 'job')])
        ),
        grid(0, 8, 12, 8, throughput('IB receive per node', 'Per-second receive throughput of each node of the job. Click a series to drill down.', ds, [q({ refId: 'A', signal: S.ibRx, groupBy: 'node' })], 'node')),
        grid(12, 8, 12, 8, throughput('IB transmit per node', 'Per-second transmit throughput of each node of the job. Click a series to drill down.', ds, [q({ refId: 'A', signal: S.ibTx, groupBy: 'node' })], 'node')),
        grid(0, 16, 12, 8, throughput('IB throughput per device', 'Receive and transmit of every bound IB/RDMA port. Click a series to drill down.', ds, [q({ refId: 'rx', signal: S.ibRx, groupBy: 'device' }), q({ refId: 'tx', signal: S.ibTx, groupBy: 'device' })], 'device')),
        grid(12, 16, 12, 8, counterPanel('Transmit wait (congestion)', 'Ticks per second a port had data to send but no credits: congestion in the fabric', ds, [q({ refId: 'A', signal: S.ibXmitWait, groupBy: 'device' })], 'short')),
        grid(0, 24, 8, 8,
          PanelBuilders.timeseries()
            .setTitle('Per-node imbalance')
            .setDescription("Busiest node's IB throughput divided by the quietest node's; 1 is perfectly balanced")
            .setData(runner(ds, [{ ...nodeOnly('A', S.jobImbalance, 'job') }], false))
            .setUnit('short')
            .setMin(1)
            .setNoValue('No data (needs at least two nodes)')
            .build()
        ),
        grid(8, 24, 8, 8, counterPanel('Drops', 'Packets dropped per second: NICs, and the pods’ own interfaces', ds, [q({ refId: 'nic', signal: S.nicDrops, groupBy: 'node' }), nodeOnly('pod', S.podDrops)], 'pps')),
        grid(16, 24, 8, 8, counterPanel('Errors', 'IB port receive errors, symbol errors and NIC errors per node', ds, [q({ refId: 'ib', signal: S.ibPortErrors, groupBy: 'node' }), q({ refId: 'sym', signal: S.ibSymbolErrors, groupBy: 'node' }), q({ refId: 'nic', signal: S.nicErrors, groupBy: 'node' })], 'short')),
        grid(0, 32, 8, 8, counterPanel('Link downed', 'Times per second a port lost its link (state changes are also annotations)', ds, [q({ refId: 'A', signal: S.ibLinkDowned, groupBy: 'device' })], 'short')),
        grid(8, 32, 8, 8,
          PanelBuilders.timeseries()
            .setTitle('TCP connection states')
            .setDescription('Connections per state on the job’s nodes')
            .setData(runner(ds, [q({ refId: 'A', signal: S.tcpStates, groupBy: 'node', envelope: 'max', device: false })], false))
            .setUnit('short')
            .setNoValue('No data')
            .build()
        ),
        grid(16, 32, 8, 8, counterPanel('TCP retransmits', 'Retransmitted segments per second per node', ds, [nodeOnly('A', S.tcpRetrans)], 'short')),
        grid(0, 40, 12, 8, counterPanel('Softnet drops and squeezes', 'Packets the kernel dropped, and times it ran out of budget, because a CPU’s backlog was full', ds, [nodeOnly('dropped', S.softnetDrops), nodeOnly('squeezed', S.softnetSqueezes)], 'short')),
        grid(12, 40, 12, 8, throughput('Pod interfaces', 'Receive and transmit of the pods’ own network interfaces', ds, [nodeOnly('rx', S.podRx, 'pod'), nodeOnly('tx', S.podTx, 'pod')])),
      ],
    }),
  });
}
