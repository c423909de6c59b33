import { FieldType } from '@grafana/data';
import { valuesFrame } from './variables';

describe('valuesFrame', () => {
  it('gives Grafana’s variable runner text and value fields', () => {
    const frame = valuesFrame([
      { text: 'alpha', value: 'alpha' },
      { text: 'beta' },
    ]);
    expect(frame.length).toBe(2);
    expect(frame.fields.map((f) => [f.name, f.type, f.values])).toEqual([
      ['text', FieldType.string, ['alpha', 'beta']],
      ['value', FieldType.string, ['alpha', 'beta']],
    ]);
  });
  it('is an empty frame for no values', () => {
    expect(valuesFrame([]).length).toBe(0);
  });
});
