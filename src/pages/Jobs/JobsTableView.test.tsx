import React from 'react';
import { fireEvent, render as rtlRender, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';

import type { JobInfo } from '../../datasource/types';
import { JobsTableView, errorsTitle, formatErrors, formatPeak, sortJobs } from './JobsTableView';

const job = (over: Partial<JobInfo>): JobInfo => ({
  name: 'j',
  cluster: 'alpha',
  start: '2024-05-01T10:00:00Z',
  end: '2024-05-01T11:00:00Z',
  nodes: ['n1'],
  pods: ['train/w-0'],
  peakBitsPerSecond: null,
  peakStepSeconds: 1,
  errors: null,
  errorsBySignal: null,
  ...over,
});

// TextLink renders a router link: give it a router, as Grafana does.
const render = (ui: React.ReactElement) => rtlRender(<MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>{ui}</MemoryRouter>);

const JOBS: JobInfo[] = [
  job({ name: 'llama', nodes: ['n1', 'n2'], pods: ['train/w-0', 'train/w-1'], peakBitsPerSecond: 4_080_000, errors: 10,
    errorsBySignal: { ib_symbol_errors: 3, ib_link_downed: 0, nic_drops: 5, pod_drops: 2 } }),
  job({ name: 'bert', cluster: 'beta', peakBitsPerSecond: 1_224_000_000, errors: 0, errorsBySignal: { nic_drops: 0 } }),
  job({ name: 'idle', pods: ['eval/e-0'] }),
];

/** The table's rows as text cells, header excluded. */
function rows(): string[][] {
  const table = screen.getByTestId('data-testid hifreq-jobs-table');
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('cell').map((c) => c.textContent ?? ''));
}

describe('JobsTableView', () => {
  it('shows peak throughput in bit/s and the error total, a dash where a job has neither', () => {
    render(<JobsTableView jobs={JOBS} jobUrl={(j) => `/job/${j.name}`} />);
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Namespace', 'Job', 'Cluster ▲', 'Nodes', 'Pods', 'First seen', 'Last seen', 'Peak throughput', 'Errors']);
    expect(rows()).toEqual([
      ['eval', 'idle', 'alpha', '1', '1', '2024-05-01 10:00:00', '2024-05-01 11:00:00', '–', '–'],
      ['train', 'llama', 'alpha', '2', '2', '2024-05-01 10:00:00', '2024-05-01 11:00:00', '4.08 Mb/s', '10'],
      ['train', 'bert', 'beta', '1', '1', '2024-05-01 10:00:00', '2024-05-01 11:00:00', '1.22 Gb/s', '0'],
    ]);
    expect(screen.getByText('10')).toHaveAttribute('title', 'Increase in the time range: nic_drops 5, ib_symbol_errors 3, pod_drops 2, ib_link_downed 0');
    expect(screen.getByRole('link', { name: 'llama' })).toHaveAttribute('href', '/job/llama');
  });

  it('sorts by a column on click, numbers largest first, again to reverse; jobs without a value stay last', () => {
    render(<JobsTableView jobs={JOBS} jobUrl={() => '#'} />);
    fireEvent.click(screen.getByRole('button', { name: 'Peak throughput' }));
    expect(screen.getByRole('columnheader', { name: 'Peak throughput ▼' })).toHaveAttribute('aria-sort', 'descending');
    expect(rows().map((r) => r[1])).toEqual(['bert', 'llama', 'idle']);
    fireEvent.click(screen.getByRole('button', { name: 'Peak throughput ▼' }));
    expect(screen.getByRole('columnheader', { name: 'Peak throughput ▲' })).toHaveAttribute('aria-sort', 'ascending');
    expect(rows().map((r) => r[1])).toEqual(['llama', 'bert', 'idle']);
    fireEvent.click(screen.getByRole('button', { name: 'Errors' }));
    expect(rows().map((r) => r[1])).toEqual(['llama', 'bert', 'idle']);
    fireEvent.click(screen.getByRole('button', { name: 'Job' }));
    expect(rows().map((r) => r[1])).toEqual(['bert', 'idle', 'llama']);
  });
});

describe('job table helpers', () => {
  it('formats bit/s with Grafana units and errors as whole numbers', () => {
    expect(formatPeak(8_000_008_000)).toBe('8.00 Gb/s');
    expect(formatPeak(40_000)).toBe('40.00 kb/s');
    expect(formatPeak(null)).toBe('–');
    expect(formatErrors(12345.4)).toBe('12,345');
    expect(formatErrors(undefined)).toBe('–');
  });
  it('explains a missing error total', () => {
    expect(errorsTitle(job({}))).toBe('No drop or error counters are bound to this job (NIC, InfiniBand or pod interfaces)');
  });
  it('sorts ties by cluster then job', () => {
    const same = [job({ name: 'b', nodes: ['x'] }), job({ name: 'a', cluster: 'z', nodes: ['x'] }), job({ name: 'a', nodes: ['x'] })];
    expect(sortJobs(same, { key: 'nodes', desc: true }).map((j) => `${j.cluster}/${j.name}`)).toEqual(['alpha/a', 'alpha/b', 'z/a']);
  });
});
