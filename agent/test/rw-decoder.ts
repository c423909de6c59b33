// An independent decoder of remote-write requests for tests: a hand-written snappy block-format
// decompressor and a hand-written protobuf wire-format reader. It shares no code (and no package)
// with the client, which compresses with the `snappy` package and encodes on protobufjs.

export interface DecodedSample {
  value: number;
  /** The raw 8 bytes of the double, hex, big-endian (e.g. 7ff0000000000002 for StaleNaN). */
  valueBits: string;
  timestamp: number;
}

export interface DecodedSeries {
  labels: { name: string; value: string }[];
  samples: DecodedSample[];
}

class WireReader {
  offset = 0;
  constructor(readonly bytes: Buffer) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.offset >= this.bytes.length) throw new Error('varint runs past the end');
      const byte = this.bytes[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint longer than 10 bytes');
    }
  }

  key(): { field: number; wireType: number } {
    const key = Number(this.varint());
    return { field: key >>> 3, wireType: key & 7 };
  }

  lengthDelimited(): Buffer {
    const length = Number(this.varint());
    if (this.offset + length > this.bytes.length) throw new Error('length-delimited field runs past the end');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  fixed64(): Buffer {
    if (this.offset + 8 > this.bytes.length) throw new Error('fixed64 runs past the end');
    const slice = this.bytes.subarray(this.offset, this.offset + 8);
    this.offset += 8;
    return slice;
  }
}

function unexpected(where: string, field: number, wireType: number): Error {
  return new Error(`${where}: unexpected field ${field} with wire type ${wireType}`);
}

function decodeLabel(bytes: Buffer): { name: string; value: string } {
  const reader = new WireReader(bytes);
  let name = '';
  let value = '';
  while (!reader.done) {
    const { field, wireType } = reader.key();
    if (field === 1 && wireType === 2) name = reader.lengthDelimited().toString('utf8');
    else if (field === 2 && wireType === 2) value = reader.lengthDelimited().toString('utf8');
    else throw unexpected('Label', field, wireType);
  }
  return { name, value };
}

function decodeSample(bytes: Buffer): DecodedSample {
  const reader = new WireReader(bytes);
  let value = 0;
  let valueBits = '0000000000000000';
  let timestamp = 0;
  while (!reader.done) {
    const { field, wireType } = reader.key();
    if (field === 1 && wireType === 1) {
      const raw = reader.fixed64();
      value = raw.readDoubleLE(0);
      valueBits = Buffer.from(raw).reverse().toString('hex');
    } else if (field === 2 && wireType === 0) {
      timestamp = Number(BigInt.asIntN(64, reader.varint()));
    } else throw unexpected('Sample', field, wireType);
  }
  return { value, valueBits, timestamp };
}

function decodeTimeSeries(bytes: Buffer): DecodedSeries {
  const reader = new WireReader(bytes);
  const series: DecodedSeries = { labels: [], samples: [] };
  while (!reader.done) {
    const { field, wireType } = reader.key();
    if (field === 1 && wireType === 2) series.labels.push(decodeLabel(reader.lengthDelimited()));
    else if (field === 2 && wireType === 2) series.samples.push(decodeSample(reader.lengthDelimited()));
    else throw unexpected('TimeSeries', field, wireType);
  }
  return series;
}

export function decodeWriteRequest(protobufBytes: Buffer): DecodedSeries[] {
  const reader = new WireReader(protobufBytes);
  const result: DecodedSeries[] = [];
  while (!reader.done) {
    const { field, wireType } = reader.key();
    if (field === 1 && wireType === 2) result.push(decodeTimeSeries(reader.lengthDelimited()));
    else throw unexpected('WriteRequest', field, wireType);
  }
  return result;
}

/**
 * Decompresses snappy's block format (https://github.com/google/snappy/blob/main/format_description.txt):
 * a varint of the uncompressed length, then elements whose tag byte's low 2 bits say what follows:
 * 00 literal (length-1 in the upper 6 bits, or for 60-63 in the next 1-4 bytes, little-endian),
 * 01 copy of 4-11 bytes with an 11-bit offset, 10 copy of 1-64 bytes with a 2-byte offset,
 * 11 the same with a 4-byte offset. A copy may overlap its own output (offset < length).
 */
export function snappyBlockDecompress(input: Buffer): Buffer {
  let pos = 0;
  const byte = (): number => {
    if (pos >= input.length) throw new Error(`snappy: input ends inside an element at byte ${pos}`);
    return input[pos++]!;
  };
  const littleEndian = (bytes: number): number => {
    let value = 0;
    for (let i = 0; i < bytes; i++) value += byte() * 2 ** (8 * i);
    return value;
  };
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28) throw new Error('snappy: uncompressed-length varint longer than 5 bytes');
    const b = byte();
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  const out = Buffer.alloc(length);
  let written = 0;
  while (pos < input.length) {
    const tag = byte();
    let copyLength: number;
    let offset: number;
    if ((tag & 3) === 0) {
      const small = tag >>> 2;
      const literalLength = (small < 60 ? small : littleEndian(small - 59)) + 1;
      if (pos + literalLength > input.length) throw new Error(`snappy: literal of ${literalLength} bytes runs past the end of the input`);
      if (written + literalLength > length) throw new Error(`snappy: output exceeds the declared ${length} bytes`);
      input.copy(out, written, pos, pos + literalLength);
      pos += literalLength;
      written += literalLength;
      continue;
    }
    if ((tag & 3) === 1) {
      copyLength = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | byte();
    } else {
      copyLength = (tag >>> 2) + 1;
      offset = littleEndian((tag & 3) === 2 ? 2 : 4);
    }
    if (offset === 0 || offset > written) throw new Error(`snappy: copy offset ${offset} at output byte ${written} points outside the output`);
    if (written + copyLength > length) throw new Error(`snappy: output exceeds the declared ${length} bytes`);
    for (let i = 0; i < copyLength; i++, written++) out[written] = out[written - offset]!;
  }
  if (written !== length) throw new Error(`snappy: ${written} bytes decompressed, the header declared ${length}`);
  return out;
}

/** Decodes a request body: snappy block format (a framed stream would fail here), then protobuf. */
export function decodeBody(body: Buffer): DecodedSeries[] {
  if (body.subarray(0, 10).equals(Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]))) {
    throw new Error('body is framed snappy; remote write needs the block format');
  }
  return decodeWriteRequest(snappyBlockDecompress(body));
}
