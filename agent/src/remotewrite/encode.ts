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

interface Series {
  labels: [string, string][];
  samples: Sample[];
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

function seriesKey(labels: [string, string][]): string {
  let key = '';
  for (const [name, value] of labels) key += name + '\u0000' + value + '\u0000';
  return key;
}

/** Groups samples per series (first-seen order) with each series' samples sorted by time. */
export function groupSeries(samples: readonly Sample[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const sample of samples) {
    const labels = seriesLabels(sample);
    const key = seriesKey(labels);
    let series = byKey.get(key);
    if (!series) {
      series = { labels, samples: [] };
      byKey.set(key, series);
    }
    series.samples.push(sample);
  }
  const result = [...byKey.values()];
  for (const series of result) {
    if (series.samples.length > 1) series.samples.sort((a, b) => a.timestampMs - b.timestampMs);
  }
  return result;
}

/** Encodes samples into one WriteRequest. */
export function encodeWriteRequest(samples: readonly Sample[]): EncodedTick {
  const writer = Writer.create();
  let minTimestampMs = Infinity;
  for (const series of groupSeries(samples)) {
    writer.uint32(TAG_WRITE_REQUEST_TIMESERIES).fork();
    for (const [name, value] of series.labels) {
      writer.uint32(TAG_TIMESERIES_LABELS).fork();
      writer.uint32(TAG_LABEL_NAME).string(name);
      writer.uint32(TAG_LABEL_VALUE).string(value);
      writer.ldelim();
    }
    for (const sample of series.samples) {
      writer.uint32(TAG_TIMESERIES_SAMPLES).fork();
      writer.uint32(TAG_SAMPLE_VALUE);
      if (sample.stale) writer.fixed32(STALE_NAN_LOW_WORD).fixed32(STALE_NAN_HIGH_WORD);
      else writer.double(sample.value);
      writer.uint32(TAG_SAMPLE_TIMESTAMP).int64(Math.trunc(sample.timestampMs));
      writer.ldelim();
      if (sample.timestampMs < minTimestampMs) minTimestampMs = sample.timestampMs;
    }
    writer.ldelim();
  }
  return { protobuf: writer.finish(), sampleCount: samples.length, minTimestampMs };
}

/** Snappy block format (not framed), as remote write requires. */
export function compressBlock(data: Uint8Array): Buffer {
  return snappy.compressSync(data);
}

export function uncompressBlock(data: Uint8Array): Buffer {
  return snappy.uncompressSync(data, { asBuffer: true }) as Buffer;
}

/**
 * Concatenated serialized WriteRequests form one valid WriteRequest (a repeated field's entries
 * append), so queued ticks can be merged into one request without decoding them.
 */
export function mergeCompressedRequests(payloads: readonly Uint8Array[]): Buffer {
  if (payloads.length === 1) return Buffer.from(payloads[0]!.buffer, payloads[0]!.byteOffset, payloads[0]!.byteLength);
  return compressBlock(Buffer.concat(payloads.map((p) => uncompressBlock(p))));
}
