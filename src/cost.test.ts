import { estimateCost, formatBytes } from './cost';

describe('estimateCost', () => {
  it('counts series, samples and bytes from the measured 2.8 bytes/sample', () => {
    expect(estimateCost({ nodes: 4, ibDevicesPerNode: 8, podsPerNode: 1 })).toEqual({
      seriesPerNode: 104,
      samplesPerSecondPerNode: 104,
      bytesPerDayPerNode: 25159680,
      samplesPerSecondTotal: 416,
      bytesPerDayTotal: 100638720,
    });
  });
  it('is zero for nothing bound', () => {
    expect(estimateCost({ nodes: 3, ibDevicesPerNode: 0, podsPerNode: 0 }).bytesPerDayTotal).toBe(0);
  });
  it('rejects counts that are not whole numbers', () => {
    expect(() => estimateCost({ nodes: -1, ibDevicesPerNode: 8, podsPerNode: 1 })).toThrow('nodes must be a whole number of 0 or more, got -1.');
    expect(() => estimateCost({ nodes: 1, ibDevicesPerNode: 1.5, podsPerNode: 1 })).toThrow(
      'ibDevicesPerNode must be a whole number of 0 or more, got 1.5.'
    );
  });
});

describe('formatBytes', () => {
  it('uses decimal units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(25159680)).toBe('25.2 MB');
    expect(formatBytes(1.5e12)).toBe('1.5 TB');
  });
});
