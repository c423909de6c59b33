// TLS to an https remote-write endpoint (test certificate in test/rw-tls/): a CA file makes a self-signed server trusted,
// skip-verify accepts it, and without either the batch stays queued with the reason reported.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Sample } from '../src/types.ts';
import { decodeBody } from './rw-decoder.ts';
import { startPipeline, tempDir, waitFor } from './rw-fixtures.ts';

const sample: Sample = { name: 'tls_test', labels: { node: 'n1' }, value: 42, timestampMs: Date.now() - 10_000 };

describe('remote write over TLS', () => {
  const dir = tempDir();
  const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rw-tls');
  const certFile = path.join(fixtures, 'cert.pem');
  const bodies: Buffer[] = [];
  let server: Server;
  let url = '';

  before(async () => {
    server = createServer({ key: readFileSync(path.join(fixtures, 'key.pem')), cert: readFileSync(certFile) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/write`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps the batch queued and reports the certificate problem when the server is not trusted', async () => {
    const pipeline = await startPipeline({ urls: [url], minBackoffMs: 50, maxBackoffMs: 100 });
    try {
      pipeline.remoteWrite.write([sample]);
      await waitFor('a TLS error', () => pipeline.remoteWrite.status().urls[0]!.lastError !== null);
      const status = pipeline.remoteWrite.status().urls[0]!;
      assert.equal(status.lastError!.message, 'DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate');
      assert.equal(status.pendingSamples, 1);
      assert.deepEqual(status.samplesDropped, {});
      assert.equal(bodies.length, 0);
    } finally {
      await pipeline.remoteWrite.stop();
    }
  });

  it('trusts the server through --remote-write.tls.ca-file', async () => {
    const pipeline = await startPipeline({ urls: [url], tls: { caFile: certFile } });
    try {
      pipeline.remoteWrite.write([sample]);
      await waitFor('delivery', () => pipeline.remoteWrite.status().urls[0]!.samplesSent === 1);
    } finally {
      await pipeline.remoteWrite.stop();
    }
    assert.deepEqual(decodeBody(bodies.at(-1)!)[0]!.samples.map((s) => [s.value, s.timestamp]), [[42, sample.timestampMs]]);
  });

  it('accepts the server with --remote-write.tls.insecure-skip-verify', async () => {
    const before = bodies.length;
    const pipeline = await startPipeline({ urls: [url], tls: { insecureSkipVerify: true } });
    try {
      pipeline.remoteWrite.write([sample]);
      await waitFor('delivery', () => pipeline.remoteWrite.status().urls[0]!.samplesSent === 1);
    } finally {
      await pipeline.remoteWrite.stop();
    }
    assert.equal(bodies.length, before + 1);
  });

  it('rejects an unreadable CA file at start', async () => {
    await assert.rejects(startPipeline({ urls: [url], tls: { caFile: path.join(dir, 'missing.pem') } }), {
      message: `cannot read --remote-write.tls.ca-file "${path.join(dir, 'missing.pem')}" (ENOENT: no such file or directory, open '${path.join(dir, 'missing.pem')}'): mount the secret there or fix the path`,
    });
  });
});
