import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { AlertsPage } from './AlertsPage';
import { AlertingApi, type HttpRequest } from './api';
import { renderApiRule } from './render';

jest.setTimeout(30_000);

function grafana(rules: unknown[]) {
  const sent: HttpRequest[] = [];
  const http = async (req: HttpRequest) => {
    sent.push(req);
    const key = `${req.method} ${req.url}`;
    if (key === 'GET /api/v1/provisioning/alert-rules') {
      return rules;
    }
    if (key === 'GET /api/folders/hifreq-alerts') {
      return { uid: 'hifreq-alerts' };
    }
    if (req.method === 'GET' && req.url.startsWith('/api/v1/provisioning/alert-rules/')) {
      throw { status: 404, data: { message: 'not found' } };
    }
    if (req.method === 'DELETE') {
      rules.splice(
        rules.findIndex((r: any) => req.url.endsWith(r.uid)),
        1
      );
      return undefined;
    }
    if (key === 'POST /api/v1/provisioning/alert-rules') {
      rules.push(req.data);
      return req.data;
    }
    if (req.method === 'GET' && req.url.includes('/rule-groups/')) {
      return { interval: 60 };
    }
    throw { status: 500, data: { message: `unexpected ${key}` } };
  };
  return { sent, api: new AlertingApi(http) };
}

test('lists existing HiFreq rules and removes one', async () => {
  const existing = renderApiRule({
    templateId: 'ib-errors',
    scope: { cluster: 'gpu-east', job: 'llama' },
    params: { maxErrors: 3 },
  });
  const { api, sent } = grafana([existing]);
  render(<AlertsPage api={api} />);
  const table = await screen.findByTestId('hifreq-alert-rules');
  const cells = Array.from(table.querySelectorAll('tbody tr td')).map((td) => td.textContent);
  expect(cells.slice(0, 6)).toEqual([
    'IB symbol or port errors increasing (cluster gpu-east, job llama)',
    'ib-errors',
    'gpu-east',
    'llama',
    'maxErrors=3',
    'warning',
  ]);
  expect(table.querySelector('tbody a')?.getAttribute('href')).toBe(`/alerting/grafana/${existing.uid}/view`);

  fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
  await act(async () => {
    fireEvent.click(screen.getAllByRole('button', { name: 'Delete' }).at(-1)!);
  });
  await waitFor(() =>
    expect(screen.getByTestId('hifreq-alert-message').textContent).toBe(`Deleted "${existing.title}".`)
  );
  expect(sent.filter((r) => r.method === 'DELETE')).toEqual([
    {
      method: 'DELETE',
      url: `/api/v1/provisioning/alert-rules/${existing.uid}`,
      headers: { 'X-Disable-Provenance': 'true' },
    },
  ]);
});

test('shows every problem, then saves a valid rule through the provisioning API', async () => {
  const { api, sent } = grafana([]);
  render(<AlertsPage api={api} />);
  await screen.findByText('No HiFreq alert rules yet.');
  expect(screen.getByTestId('hifreq-alert-problems').textContent).toBe(
    'Cluster is empty: give a cluster name, several as a|b, a /regex/, or * for all clusters.' +
      'Job is empty: give a job name, several as a|b, a /regex/, or * for all jobs.'
  );
  expect(screen.getByRole('button', { name: /Save rule/ })).toBeDisabled();

  fireEvent.change(screen.getByLabelText('Cluster'), { target: { value: 'gpu-east' } });
  fireEvent.change(screen.getByLabelText('Job'), { target: { value: 'llama' } });
  fireEvent.change(screen.getByLabelText('Link-down events per minute'), { target: { value: '-2' } });
  expect(screen.getByTestId('hifreq-alert-problems').textContent).toBe(
    'Parameter "maxDowns" (Link-down events per minute) must be between 0 and 1000 count, got -2.'
  );
  fireEvent.change(screen.getByLabelText('Link-down events per minute'), { target: { value: '2' } });
  expect(screen.queryByTestId('hifreq-alert-problems')).toBeNull();
  expect(screen.getByTestId('hifreq-alert-preview').textContent).toBe(
    'increase(node_infiniband_link_downed_total{cluster="gpu-east",job_name="llama"}[1m]) + (node_infiniband_state_id{cluster="gpu-east",job_name="llama"} != bool 4)'
  );

  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: /Save rule/ }));
  });
  await waitFor(() =>
    expect(screen.getByTestId('hifreq-alert-message').textContent).toBe(
      'Saved "IB link down or flapping (cluster gpu-east, job llama)".'
    )
  );
  const post = sent.find((r) => r.method === 'POST');
  expect(post?.headers).toEqual({ 'X-Disable-Provenance': 'true' });
  expect(post?.data).toEqual(
    renderApiRule({
      templateId: 'ib-link-flap',
      scope: { cluster: 'gpu-east', job: 'llama' },
      params: { maxDowns: 2 },
      severity: 'critical',
    })
  );
  expect((await screen.findByTestId('hifreq-alert-rules')).querySelectorAll('tbody tr')).toHaveLength(1);
});
