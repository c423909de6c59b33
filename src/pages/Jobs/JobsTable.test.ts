import { jobNamespaces } from './JobsTable';

describe('jobNamespaces', () => {
  it('lists the distinct namespaces of the job’s pods, sorted', () => {
    expect(
      jobNamespaces({ name: 'llama', cluster: 'a', start: '', end: '', nodes: [], pods: ['train/w-1', 'eval/e-0', 'train/w-0'] })
    ).toBe('eval, train');
  });
  it('shows a dash when the job has no pods listed', () => {
    expect(jobNamespaces({ name: 'x', cluster: 'a', start: '', end: '', nodes: [], pods: [] })).toBe('–');
  });
});
