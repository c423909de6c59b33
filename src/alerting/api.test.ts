// The requests the Alerts page sends to Grafana's alerting provisioning API, recorded at the
// HTTP boundary (the real-Grafana test in tests/grafana runs the same path against Grafana).
import { AlertingApi, explain, toHiFreqRule, type HttpRequest } from './api';
import { renderApiRule } from './render';
import type { ApiRule } from './types';

type Reply = { status: number; data: unknown };

/** An HttpFn answering from a script of replies keyed by "METHOD url", recording every request. */
function recorder(replies: Record<string, Reply[]>) {
  const sent: HttpRequest[] = [];
  const http = async (req: HttpRequest) => {
    sent.push(req);
    const queue = replies[`${req.method} ${req.url}`];
    const reply = queue?.shift();
    if (!reply) {
      throw new Error(`unexpected request ${req.method} ${req.url}`);
    }
    if (reply.status >= 400) {
      throw { status: reply.status, data: reply.data };
    }
    return reply.data;
  };
  return { sent, http };
}

const input = {
  templateId: 'ib-errors',
  scope: { cluster: 'gpu-east', job: 'llama-pretrain' },
  params: { maxErrors: 5 },
};
const rule = renderApiRule(input);
const ruleUrl = `/api/v1/provisioning/alert-rules/${rule.uid}`;
const groupUrl = '/api/v1/provisioning/folder/hifreq-alerts/rule-groups/hifreq-instances';

test('instantiating a template creates the folder, posts the rule without provenance and fixes the group interval', async () => {
  const { sent, http } = recorder({
    'GET /api/folders/hifreq-alerts': [{ status: 404, data: { message: 'folder not found' } }],
    'POST /api/folders': [{ status: 200, data: { uid: 'hifreq-alerts' } }],
    [`GET ${ruleUrl}`]: [{ status: 404, data: {} }],
    'POST /api/v1/provisioning/alert-rules': [{ status: 201, data: rule }],
    [`GET ${groupUrl}`]: [
      { status: 200, data: { title: 'hifreq-instances', folderUid: 'hifreq-alerts', interval: 10, rules: [rule] } },
    ],
    [`PUT ${groupUrl}`]: [{ status: 200, data: {} }],
  });
  await new AlertingApi(http).instantiate(input);
  expect(sent).toEqual([
    { method: 'GET', url: '/api/folders/hifreq-alerts' },
    { method: 'POST', url: '/api/folders', data: { uid: 'hifreq-alerts', title: 'HiFreq alerts' } },
    { method: 'GET', url: ruleUrl },
    {
      method: 'POST',
      url: '/api/v1/provisioning/alert-rules',
      data: rule,
      headers: { 'X-Disable-Provenance': 'true' },
    },
    { method: 'GET', url: groupUrl },
    {
      method: 'PUT',
      url: groupUrl,
      data: { title: 'hifreq-instances', folderUid: 'hifreq-alerts', interval: 60, rules: [rule] },
      headers: { 'X-Disable-Provenance': 'true' },
    },
  ]);
});

test('instantiating the same template and scope again updates the rule in place', async () => {
  const { sent, http } = recorder({
    'GET /api/folders/hifreq-alerts': [{ status: 200, data: { uid: 'hifreq-alerts' } }],
    [`GET ${ruleUrl}`]: [{ status: 200, data: rule }],
    [`PUT ${ruleUrl}`]: [{ status: 200, data: rule }],
    [`GET ${groupUrl}`]: [{ status: 200, data: { interval: 60 } }],
  });
  await new AlertingApi(http).instantiate(input);
  expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
    'GET /api/folders/hifreq-alerts',
    `GET ${ruleUrl}`,
    `PUT ${ruleUrl}`,
    `GET ${groupUrl}`,
  ]);
});

test('invalid parameters fail before any request', async () => {
  const { sent, http } = recorder({});
  await expect(new AlertingApi(http).instantiate({ ...input, params: { maxErrors: -1 } })).rejects.toThrow(
    'Parameter "maxErrors" (Errors per minute) must be between 0 and 1000000000 count, got -1.'
  );
  expect(sent).toEqual([]);
});

test('a refused write says why and what to do', async () => {
  const { http } = recorder({
    'GET /api/folders/hifreq-alerts': [{ status: 200, data: {} }],
    [`GET ${ruleUrl}`]: [{ status: 404, data: {} }],
    'POST /api/v1/provisioning/alert-rules': [
      { status: 403, data: { message: 'permissions to create alert rules denied' } },
    ],
  });
  await expect(new AlertingApi(http).instantiate(input)).rejects.toThrow(
    'Could not create the rule "IB symbol or port errors increasing (cluster gpu-east, job llama-pretrain)" (HTTP 403): permissions to create alert rules denied. ' +
      'Your Grafana role may not edit alert rules: ask an admin for Editor rights on alerting (or on the folder).'
  );
});

test('listing keeps HiFreq rules only, sorted, with template, scope and parameters', async () => {
  const other = { ...rule, uid: 'x', title: 'Disk full', annotations: { summary: 'disk' } } as ApiRule;
  const file = { ...renderApiRule({ templateId: 'agent-silent', scope: { cluster: '*' } }), provenance: 'file' };
  const { http } = recorder({ 'GET /api/v1/provisioning/alert-rules': [{ status: 200, data: [rule, other, file] }] });
  expect(await new AlertingApi(http).list()).toEqual([
    {
      uid: file.uid,
      title: 'Agent silent (all clusters)',
      templateId: 'agent-silent',
      scope: { cluster: '*', job: '*' },
      params: { silentSeconds: 120 },
      severity: 'critical',
      folderUID: 'hifreq-alerts',
      ruleGroup: 'hifreq-instances',
      provenance: 'file',
    },
    {
      uid: rule.uid,
      title: 'IB symbol or port errors increasing (cluster gpu-east, job llama-pretrain)',
      templateId: 'ib-errors',
      scope: { cluster: 'gpu-east', job: 'llama-pretrain' },
      params: { maxErrors: 5 },
      severity: 'warning',
      folderUID: 'hifreq-alerts',
      ruleGroup: 'hifreq-instances',
      provenance: '',
    },
  ]);
  expect(toHiFreqRule(other)).toBeUndefined();
});

test('removing sends DELETE without provenance; a missing rule says to reload', async () => {
  const { sent, http } = recorder({
    [`DELETE ${ruleUrl}`]: [
      { status: 204, data: undefined },
      { status: 404, data: { message: 'rule not found' } },
    ],
  });
  const api = new AlertingApi(http);
  await api.remove(rule.uid);
  expect(sent).toEqual([{ method: 'DELETE', url: ruleUrl, headers: { 'X-Disable-Provenance': 'true' } }]);
  await expect(api.remove(rule.uid)).rejects.toThrow(
    `Could not delete the rule ${rule.uid} (HTTP 404): rule not found. It no longer exists: reload the list.`
  );
});

test('an unreachable Grafana', () => {
  expect(explain('list alert rules', new Error('Failed to fetch')).message).toBe(
    'Could not list alert rules: Failed to fetch. Check that Grafana is reachable and try again.'
  );
});
