import { FieldType, toDataFrame } from '@grafana/data';
import { linkStateEvents } from './annotations';

const frame = toDataFrame({
  fields: [
    { name: 'time', type: FieldType.time, values: [1000, 2000, 3000, 4000, 5000, 6000] },
    { name: 'A', type: FieldType.number, labels: { node: 'n1', device: 'mlx5_0', port: '1' }, values: [4, 4, 1, null, 1, 4] },
    { name: 'B', type: FieldType.number, labels: { node: 'n2', device: 'mlx5_1' }, values: [4, 4, 4, 4, 4, 4] },
  ],
});

describe('linkStateEvents', () => {
  it('emits one event per state change, skipping gaps, in time order', () => {
    expect(linkStateEvents([frame])).toEqual([
      {
        time: 3000,
        title: 'Link state change: n1 mlx5_0 port 1',
        text: 'n1 mlx5_0 port 1: ACTIVE → DOWN',
        tags: ['hifreq', 'link-state', 'down'],
        color: 'red',
      },
      {
        time: 6000,
        title: 'Link state change: n1 mlx5_0 port 1',
        text: 'n1 mlx5_0 port 1: DOWN → ACTIVE',
        tags: ['hifreq', 'link-state', 'up'],
        color: 'green',
      },
    ]);
  });
  it('emits nothing for steady ports or frames without time', () => {
    expect(linkStateEvents([toDataFrame({ fields: [{ name: 'v', type: FieldType.number, values: [1, 4] }] })])).toEqual([]);
  });
});
