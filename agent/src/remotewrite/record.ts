// Framing of one queued tick on disk: a fixed header with a CRC-32, then the snappy payload.
//
//   u32 payloadLength | u32 crc32(sampleCount..payload) | u32 sampleCount | f64 minTimestampMs | payload
import { crc32 } from 'node:zlib';

export const SEGMENT_MAGIC = Buffer.from('HFRWQ001', 'latin1');
export const RECORD_HEADER_BYTES = 20;
/** Refuses absurd lengths read from a damaged header instead of allocating them. */
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

export interface RecordBody {
  /** Snappy block of a serialized WriteRequest. */
  payload: Uint8Array;
  sampleCount: number;
  minTimestampMs: number;
}

export function frameRecord(body: RecordBody): Buffer {
  const buffer = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.payload.byteLength);
  buffer.writeUInt32LE(body.payload.byteLength, 0);
  buffer.writeUInt32LE(body.sampleCount, 8);
  buffer.writeDoubleLE(body.minTimestampMs, 12);
  buffer.set(body.payload, RECORD_HEADER_BYTES);
  buffer.writeUInt32LE(crc32(buffer.subarray(8)), 4);
  return buffer;
}

export type ParsedRecord =
  | { ok: true; body: RecordBody; totalBytes: number }
  | { ok: false; problem: string };

/** Parses the record at `offset`; a short or damaged record yields a description of the damage. */
export function parseRecord(data: Buffer, offset: number): ParsedRecord {
  const available = data.byteLength - offset;
  if (available < RECORD_HEADER_BYTES) {
    return { ok: false, problem: `truncated record header (${available} of ${RECORD_HEADER_BYTES} bytes)` };
  }
  const payloadLength = data.readUInt32LE(offset);
  if (payloadLength > MAX_PAYLOAD_BYTES) {
    return { ok: false, problem: `implausible record length ${payloadLength}` };
  }
  const totalBytes = RECORD_HEADER_BYTES + payloadLength;
  if (available < totalBytes) {
    return { ok: false, problem: `truncated record (${available} of ${totalBytes} bytes)` };
  }
  const expectedCrc = data.readUInt32LE(offset + 4);
  const actualCrc = crc32(data.subarray(offset + 8, offset + totalBytes));
  if (expectedCrc !== actualCrc) {
    return { ok: false, problem: `checksum mismatch (stored ${expectedCrc.toString(16)}, computed ${actualCrc.toString(16)})` };
  }
  return {
    ok: true,
    totalBytes,
    body: {
      sampleCount: data.readUInt32LE(offset + 8),
      minTimestampMs: data.readDoubleLE(offset + 12),
      payload: data.subarray(offset + RECORD_HEADER_BYTES, offset + totalBytes),
    },
  };
}
