import dashboard from './hifreq-job-network.json';
import pluginJson from '../plugin.json';
import { SIGNALS } from '../signals';

const known = new Set<string>([...Object.values(SIGNALS)]);

describe('included dashboard hifreq-job-network', () => {
  it('has the uid and variables of DESIGN.md §3', () => {
    expect(dashboard.uid).toBe('hifreq-job-network');
    const names = dashboard.templating.list.map((v) => v.name);
    expect(names).toEqual(['datasource', 'cluster', 'job', 'node', 'device', 'envelope']);
  });
  it('is listed in the app plugin.json includes', () => {
    expect(pluginJson.includes).toContainEqual({
      type: 'dashboard',
      name: 'HiFreq job network',
      path: 'dashboards/hifreq-job-network.json',
      addToNav: false,
    });
  });
  it('queries only signals of the backend catalog, scoped to $cluster and $job', () => {
    const targets = dashboard.panels.flatMap((p) => p.targets as unknown as Array<Record<string, unknown>>);
    expect(targets.length).toBeGreaterThan(10);
    for (const t of targets) {
      expect(known.has(String(t.signal))).toBe(true);
      expect(t.cluster).toBe('$cluster');
      expect(t.job).toBe('$job');
      expect(t.datasource).toEqual({ type: 'hifreq-netmon-datasource', uid: '${datasource}' });
    }
  });
});
