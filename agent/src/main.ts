#!/usr/bin/env node
// hifreq-agent command line: parse flags, start the agent, stop on SIGTERM/SIGINT.
// Recommended: NODE_OPTIONS=--max-semi-space-size=1 (about 10 MB less RSS, no measurable CPU cost;
// V8 only takes it at start-up, so it cannot be set from here: the Dockerfile passes it), and
// MALLOC_ARENA_MAX=1 in the environment (1-2 MB less; glibc reads it before any JavaScript runs).
import v8 from 'node:v8';
import pino from 'pino';
import { Registry } from './metrics/promclient.ts';
import { FlagError, allFlags, helpText, parseFlags, type FlagValues } from './config/flags.ts';
import { Agent } from './agent.ts';
import { AGENT_VERSION } from './metrics/self.ts';
import type { Sample } from './types.ts';

interface RemoteWrite {
  write(samples: readonly Sample[]): void;
  status(): unknown;
  stop(): Promise<void>;
}

/** Loaded lazily (and by a computed specifier) so the agent runs without the remote-write module. */
async function loadRemoteWrite(flags: FlagValues, logger: pino.Logger, registry: Registry): Promise<RemoteWrite> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  // The snappy package's native module brings its own allocator (mimalloc), which asks for
  // transparent huge pages: with THP in "madvise" mode (the common default) that kept two 2 MB pages
  // resident for ~300 kB of compression buffers. mimalloc reads this when the module loads.
  process.env.MIMALLOC_ALLOW_THP ??= '0';
  let mod: { createRemoteWrite?: (config: FlagValues, deps: { logger: pino.Logger; registry: Registry }) => Promise<RemoteWrite> };
  try {
    mod = await import(`./remotewrite/index${ext}`);
  } catch (err) {
    throw new Error(`--remote-write.url was given but the remote-write module cannot be loaded: ${(err as Error).message}`);
  }
  if (typeof mod.createRemoteWrite !== 'function') {
    throw new Error('--remote-write.url was given but this build has no remote-write support (remotewrite/index has no createRemoteWrite)');
  }
  return mod.createRemoteWrite(flags, { logger, registry });
}

// The agent's live heap is small (about 7 MB) but it allocates every second, and V8's defaults
// suit a browser tab, not a process that repeats the same one-second job forever:
// - A fixed heap growth factor of 1.1 (V8's default lets garbage pile up to twice the live set
//   before a full collection) keeps the heap close to the live set.
// - No allocation-site pretenuring: a tick's samples are all alive when a young collection runs in
//   the middle of the tick, so V8 judged their allocation sites long-lived and allocated every later
//   sample straight in the old generation, where ~200 kB/s of dead samples piled up until the next
//   full collection (+4-5 MB peak RSS, measured in agent/README.md "Benchmark").
// Both are read by V8 at run time, so they can be set here. HIFREQ_V8_FLAGS replaces them (e.g. ""
// to keep V8's defaults).
v8.setFlagsFromString(process.env.HIFREQ_V8_FLAGS ?? '--heap-growing-percent=10 --no-allocation-site-pretenuring');

async function main(argv: string[]): Promise<number> {
  let flags: FlagValues;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    if (err instanceof FlagError) {
      process.stderr.write(`hifreq-agent: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (flags.help) {
    process.stdout.write(helpText(allFlags()));
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`hifreq-agent ${AGENT_VERSION}\n`);
    return 0;
  }
  const logger = pino({ level: flags['log.level'] as string, base: { component: 'hifreq-agent' } });
  let agent: Agent;
  try {
    const urls = flags['remote-write.url'] as string[];
    // The agent's registry is created inside Agent; remote write gets its own registry merged on /metrics.
    agent = new Agent({ flags, logger });
    const remoteWrite = urls.length ? await loadRemoteWrite(flags, logger, agent.metrics.registry) : undefined;
    if (remoteWrite) agent.attachRemoteWrite(remoteWrite);
    await agent.start();
  } catch (err) {
    process.stderr.write(`hifreq-agent: ${(err as Error).message}\n`);
    return 1;
  }
  logger.info({ version: AGENT_VERSION, node: flags['node-name'], source: flags['pods.source'], port: agent.port }, 'hifreq-agent started');
  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      logger.info({ signal }, 'stopping: flushing and closing');
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  await agent.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`hifreq-agent: unexpected error: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
