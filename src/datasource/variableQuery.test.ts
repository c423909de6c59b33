import { parseVariableQueryString } from './variableQuery';

describe('parseVariableQueryString', () => {
  it('parses the four forms', () => {
    expect(parseVariableQueryString('clusters')).toEqual({ refId: 'variable', kind: 'clusters', cluster: undefined, job: undefined });
    expect(parseVariableQueryString('jobs($cluster)')).toEqual({ refId: 'variable', kind: 'jobs', cluster: '$cluster', job: undefined });
    expect(parseVariableQueryString(' nodes( gpu-a , llama ) ')).toEqual({ refId: 'variable', kind: 'nodes', cluster: 'gpu-a', job: 'llama' });
    expect(parseVariableQueryString('devices($cluster,$job)')).toEqual({ refId: 'variable', kind: 'devices', cluster: '$cluster', job: '$job' });
  });
  it('names the valid forms when the text is not one of them', () => {
    expect(() => parseVariableQueryString('label_values(job)')).toThrow(
      'Unknown variable query "label_values(job)". Use one of: clusters, jobs(<cluster>), nodes(<cluster>, <job>), devices(<cluster>, <job>).'
    );
  });
});
