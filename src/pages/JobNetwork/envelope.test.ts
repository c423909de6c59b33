import { FieldType, toDataFrame } from '@grafana/data';
import { applyEnvelopeBand } from './envelope';

const wide = toDataFrame({
  fields: [
    { name: 'time', type: FieldType.time, values: [1000, 2000] },
    { name: 'v', type: FieldType.number, labels: { node: 'n1', envelope: 'min' }, values: [1, 2] },
    { name: 'v', type: FieldType.number, labels: { node: 'n1', envelope: 'max' }, values: [5, 9] },
    { name: 'v', type: FieldType.number, labels: { node: 'n1', envelope: 'avg' }, values: [3, 4] },
    { name: 'v', type: FieldType.number, labels: { node: 'n2' }, values: [7, 7] },
  ],
});

describe('applyEnvelopeBand', () => {
  const [out] = applyEnvelopeBand([wide]);
  const cfg = (i: number) => out.fields[i].config;

  it('fills the max series down to the min series of the same group', () => {
    expect(cfg(2).displayNameFromDS).toBe('n1 max');
    expect(cfg(2).custom).toEqual({ fillBelowTo: 'n1 min', fillOpacity: 25, lineWidth: 1 });
  });
  it('keeps the min line thin and out of the legend', () => {
    expect(cfg(1).displayNameFromDS).toBe('n1 min');
    expect(cfg(1).custom).toEqual({ fillOpacity: 0, lineWidth: 1, hideFrom: { legend: true, tooltip: false, viz: false } });
  });
  it('draws the avg line normally', () => {
    expect(cfg(3).displayNameFromDS).toBe('n1 avg');
    expect(cfg(3).custom).toEqual({ lineWidth: 2 });
  });
  it('leaves series without an envelope label and the time field untouched', () => {
    expect(out.fields[4]).toBe(wide.fields[4]);
    expect(out.fields[0]).toBe(wide.fields[0]);
  });
});
