// Prometheus remote-write 1.0 encoding: WriteRequest{timeseries: TimeSeries{labels, samples}}.
import protobuf from 'protobufjs/minimal.js';
import snappy from 'snappy';
import type { Sample } from '../types.ts';

const { Writer } = protobuf;

// Field tags: (field number << 3) | wire type.
const TAG_WRITE_REQUEST_TIMESERIES = (1 << 3) | 2;
const TAG_TIMESERIES_LABELS = (1 << 3) | 2;
const TAG_TIMESERIES_SAMPLES = (2 << 3) | 2;
const TAG_LABEL_NAME = (1 << 3) | 2;
const TAG_LABEL_VALUE = (2 << 3) | 2;
const TAG_SAMPLE_VALUE = (1 << 3) | 1;
const TAG_SAMPLE_TIMESTAMP = (2 << 3) | 0;

// Prometheus' StaleNaN is 0x7ff0000000000002. JS engines may canonicalise NaN payloads, so the
// marker is written as two little-endian 32-bit words instead of through a double.
const STALE_NAN_LOW_WORD = 0x00000002;
const STALE_NAN_HIGH_WORD = 0x7ff00000;

export interface EncodedTick {
  /** Uncompressed protobuf WriteRequest. */
  protobuf: Uint8Array;
  sampleCount: number;
  minTimestampMs: number;
}

/** Label pairs of a sample: `__name__` plus its labels, empty values removed, sorted by name. */
export function seriesLabels(sample: Sample): [string, string][] {
  const pairs: [string, string][] = [['__name__', sample.name]];
  for (const name in sample.labels) {
    const value = sample.labels[name];
    if (value !== '' && value !== undefined && name !== '__name__') pairs.push([name, value]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs;
}

/** Identity of a sample's series as given (label order included: another order only misses the cache). */
function sampleKey(sample: Sample): string {
  let key = sample.name;
  const labels = sample.labels;
  for (const name in labels) key += '\u0000' + name + '\u0001' + labels[name];
  return key;
}

// The encoded `labels` fields of a series hardly ever change between ticks, so they are encoded
// once (with protobufjs) and spliced into each request. One series given with its labels in a
// different order maps to the same bytes object, so grouping by that object groups by series.
const MAX_CACHED_SERIES = 200_000;

/**
 * One series: its encoded labels, and where it went in the request being built. `call` and
 * `index` group a request's samples by series without a per-request map: an entry whose `call`
 * is not the current request's number has not been seen in it yet.
 */
interface SeriesEntry {
  bytes: Uint8Array;
  call: number;
  index: number;
}
const seriesBySampleKey = new Map<string, SeriesEntry>();
const seriesByLabels = new Map<string, SeriesEntry>();
let currentCall = 0;

/** `key`: the sample-key cache is used (and filled) for callers whose label objects are not remembered. */
function encodedSeries(sample: Sample, key: string | undefined): SeriesEntry {
  let entry = key === undefined ? undefined : seriesBySampleKey.get(key);
  if (entry) return entry;
  const pairs = seriesLabels(sample);
  const canonical = pairs.map(([name, value]) => `${name}\u0001${value}`).join('\u0000');
  entry = seriesByLabels.get(canonical);
  if (!entry) {
    const writer = Writer.create();
    for (const [name, value] of pairs) {
      writer.uint32(TAG_TIMESERIES_LABELS).fork();
      writer.uint32(TAG_LABEL_NAME).string(name);
      writer.uint32(TAG_LABEL_VALUE).string(value);
      writer.ldelim();
    }
    entry = { bytes: writer.finish(), call: 0, index: 0 };
    seriesByLabels.set(canonical, entry);
  }
  if (key !== undefined) seriesBySampleKey.set(key, entry);
  return entry;
}

// The scheduler keeps one label object per series across ticks, so the label bytes are also
// remembered per label object. A hit is verified against a snapshot of the names and values
// (identity compares only, no hashing), so a label object changed in place is re-encoded.
interface LabelsSnapshot {
  name: string;
  names: string[];
  values: string[];
  entry: SeriesEntry;
}
const seriesByLabelsObject = new WeakMap<object, LabelsSnapshot>();

function unchanged(snapshot: LabelsSnapshot, sample: Sample): boolean {
  if (snapshot.name !== sample.name) return false;
  const labels = sample.labels;
  let i = 0;
  for (const name in labels) {
    if (name !== snapshot.names[i] || labels[name] !== snapshot.values[i]) return false;
    i++;
  }
  return i === snapshot.names.length;
}

// Remembering costs a snapshot per label object; for callers that build new label objects every
// time (a relay) that is pure overhead, so it is only done while it pays off, re-probed now and then.
const PROBE_EVERY_CALLS = 100;
let rememberLabelObjects = true;
let callsUntilProbe = PROBE_EVERY_CALLS;
let labelObjectHits = 0;

function seriesOf(sample: Sample): SeriesEntry {
  const snapshot = seriesByLabelsObject.get(sample.labels);
  if (snapshot && unchanged(snapshot, sample)) {
    labelObjectHits++;
    return snapshot.entry;
  }
  if (!rememberLabelObjects) return encodedSeries(sample, sampleKey(sample));
  // A remembered label object needs no sample key: its snapshot holds the entry (and the key
  // strings, kept for every series, were a megabyte of the agent's heap).
  const entry = encodedSeries(sample, undefined);
  const names = Object.keys(sample.labels);
  seriesByLabelsObject.set(sample.labels, { name: sample.name, names, values: names.map((name) => sample.labels[name]!), entry });
  return entry;
}

function decideRemembering(sampleCount: number): void {
  if (labelObjectHits * 2 >= sampleCount) {
    rememberLabelObjects = true;
  } else if (--callsUntilProbe <= 0) {
    rememberLabelObjects = true;
    callsUntilProbe = PROBE_EVERY_CALLS;
  } else {
    rememberLabelObjects = false;
  }
  labelObjectHits = 0;
}

/**
 * Samples grouped per series, in first-seen order, as parallel arrays: a series' label bytes and
 * its sample, or its samples sorted by time when it has several in one request. (A scheduler tick
 * has one sample per series: no per-series array or object is allocated for it.)
 */
interface Grouped {
  labelBytes: Uint8Array[];
  members: (Sample | Sample[])[];
}

function groupSeries(samples: readonly Sample[]): Grouped {
  if (Math.max(seriesBySampleKey.size, seriesByLabels.size) + samples.length > MAX_CACHED_SERIES) {
    seriesBySampleKey.clear();
    seriesByLabels.clear();
  }
  const call = ++currentCall;
  const labelBytes: Uint8Array[] = [];
  const members: (Sample | Sample[])[] = [];
  let several = false;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    const entry = seriesOf(sample);
    if (entry.call !== call) {
      entry.call = call;
      entry.index = labelBytes.length;
      labelBytes.push(entry.bytes);
      members.push(sample);
    } else {
      const member = members[entry.index]!;
      if (Array.isArray(member)) member.push(sample);
      else members[entry.index] = [member, sample];
      several = true;
    }
  }
  decideRemembering(samples.length);
  if (several) {
    for (const member of members) {
      if (Array.isArray(member)) member.sort((a, b) => a.timestampMs - b.timestampMs);
    }
  }
  return { labelBytes, members };
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  while (value >= 128) {
    buffer[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

function timestampOf(sample: Sample): number {
  const timestamp = Math.trunc(sample.timestampMs);
  if (!(timestamp >= 0 && timestamp <= Number.MAX_SAFE_INTEGER)) {
    throw new Error(`sample ${sample.name} has timestamp ${sample.timestampMs}: expected milliseconds since 1970`);
  }
  return timestamp;
}

/**
 * Encodes samples into one WriteRequest. Label sets come from the protobufjs-encoded cache; the
 * repeated TimeSeries/Sample framing around them is written directly into one buffer sized up
 * front (protobufjs' Writer cannot splice pre-encoded bytes).
 */
export function encodeWriteRequest(samples: readonly Sample[]): EncodedTick {
  return encodeInto(samples, (size) => Buffer.allocUnsafe(size));
}

// The uncompressed request only lives until snappy has read it: one buffer, grown as needed, is
// reused for every tick instead of allocating (and page-faulting in) ~300 kB a second.
let scratch = Buffer.allocUnsafeSlow(0);

function scratchBuffer(size: number): Buffer {
  if (scratch.byteLength < size) scratch = Buffer.allocUnsafeSlow(Math.max(size, Math.ceil(scratch.byteLength * 1.5)));
  return scratch.subarray(0, size);
}

/** Encodes samples into one WriteRequest and compresses it with snappy: the queued form of a tick. */
export function encodeCompressed(samples: readonly Sample[]): { payload: Buffer; sampleCount: number; minTimestampMs: number } {
  const encoded = encodeInto(samples, scratchBuffer);
  return { payload: compressBlock(encoded.protobuf), sampleCount: encoded.sampleCount, minTimestampMs: encoded.minTimestampMs };
}

function encodeInto(samples: readonly Sample[], allocate: (size: number) => Buffer): EncodedTick {
  const { labelBytes, members } = groupSeries(samples);
  const seriesLengths = new Array<number>(members.length);
  let total = 0;
  let minTimestampMs = Infinity;
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    const list = Array.isArray(member) ? member : undefined;
    const count = list ? list.length : 1;
    let length = labelBytes[i]!.byteLength;
    for (let j = 0; j < count; j++) {
      const timestamp = timestampOf(list ? list[j]! : (member as Sample));
      if (timestamp < minTimestampMs) minTimestampMs = timestamp;
      const sampleLength = 1 + 8 + 1 + varintLength(timestamp);
      length += 1 + varintLength(sampleLength) + sampleLength;
    }
    seriesLengths[i] = length;
    total += 1 + varintLength(length) + length;
  }
  const buffer = allocate(total);
  let offset = 0;
  for (let i = 0; i < members.length; i++) {
    const member = members[i]!;
    const list = Array.isArray(member) ? member : undefined;
    const count = list ? list.length : 1;
    const bytes = labelBytes[i]!;
    buffer[offset++] = TAG_WRITE_REQUEST_TIMESERIES;
    offset = writeVarint(buffer, offset, seriesLengths[i]!);
    buffer.set(bytes, offset);
    offset += bytes.byteLength;
    for (let j = 0; j < count; j++) {
      const sample = list ? list[j]! : (member as Sample);
      const timestamp = Math.trunc(sample.timestampMs);
      buffer[offset++] = TAG_TIMESERIES_SAMPLES;
      offset = writeVarint(buffer, offset, 1 + 8 + 1 + varintLength(timestamp));
      buffer[offset++] = TAG_SAMPLE_VALUE;
      if (sample.stale) {
        buffer.writeUInt32LE(STALE_NAN_LOW_WORD, offset);
        buffer.writeUInt32LE(STALE_NAN_HIGH_WORD, offset + 4);
      } else buffer.writeDoubleLE(sample.value, offset);
      offset += 8;
      buffer[offset++] = TAG_SAMPLE_TIMESTAMP;
      offset = writeVarint(buffer, offset, timestamp);
    }
  }
  return { protobuf: buffer, sampleCount: samples.length, minTimestampMs };
}

/** Snappy block format (not framed), as remote write requires. */
// copyOutputData: snappy's default external (zero-copy) output buffers measured 6-9x slower here
// for 100 kB requests than letting it copy into an ordinary Buffer.
export function compressBlock(data: Uint8Array): Buffer {
  return snappy.compressSync(data, { copyOutputData: true });
}

export function uncompressBlock(data: Uint8Array): Buffer {
  return snappy.uncompressSync(data, { asBuffer: true, copyOutputData: true }) as Buffer;
}

/**
 * Concatenated serialized WriteRequests form one valid WriteRequest (a repeated field's entries
 * append), so queued ticks can be merged into one request without decoding them.
 */
export function mergeCompressedRequests(payloads: readonly Uint8Array[]): Buffer {
  if (payloads.length === 1) return Buffer.from(payloads[0]!.buffer, payloads[0]!.byteOffset, payloads[0]!.byteLength);
  return compressBlock(Buffer.concat(payloads.map((p) => uncompressBlock(p))));
}
