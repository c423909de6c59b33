// The allocation-free parsers under the collectors: /proc/net/dev lines and sysfs counter files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NOT_AVAILABLE, readCachedCounter } from '../src/collectors/fsread.ts';
import { forEachNetDevLine, netDevInterfaces } from '../src/collectors/netdevparse.ts';

const HEADER = 'Inter-|   Receive                                                |  Transmit\n' +
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';

function lines(text: string): Array<[string, number[] | undefined, string]> {
  const out: Array<[string, number[] | undefined, string]> = [];
  forEachNetDevLine(text, (device, fields, start, end) => out.push([device, fields && [...fields], text.slice(start, end)]));
  return out;
}

describe('/proc/net/dev scanner', () => {
  it('reads the 16 counters of every line, with any run of spaces, tabs and a missing final newline', () => {
    const text = HEADER +
      '    lo: 100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0\n' +
      '  eth0:\t1\t2 3  4 5 6 7 8 9 10 11 12 13 14 15 16 17\n' +
      'veth-a_1:0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 999';
    assert.deepEqual(lines(text), [
      ['lo', [100, 2, 0, 0, 0, 0, 0, 0, 100, 2, 0, 0, 0, 0, 0, 0], '    lo: 100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0'],
      ['eth0', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], '  eth0:\t1\t2 3  4 5 6 7 8 9 10 11 12 13 14 15 16 17'],
      ['veth-a_1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 999], 'veth-a_1:0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 999'],
    ]);
    assert.deepEqual(netDevInterfaces(text), ['lo', 'eth0', 'veth-a_1']);
  });

  it('parses 64-bit counters exactly as Number() does (above 2^53 too)', () => {
    const big = ['18446744073709551615', '9007199254740993', '123456789012345', '1234567890123456', '99999999999999999'];
    const text = `${HEADER}eth0: ${big.join(' ')} 0 0 0 0 0 0 0 0 0 0 0\n`;
    const [[, fields]] = lines(text);
    assert.deepEqual(fields!.slice(0, 5), big.map(Number));
  });

  it('marks a line malformed for a non-digit, a sign or fewer than 16 counters, and keeps reading', () => {
    const text = HEADER +
      'a: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 1x\n' +
      'b: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n' +
      'c: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n' +
      'garbage without a colon\n' +
      'd: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 junk after the sixteenth\n';
    assert.deepEqual(lines(text).map(([device, fields]) => [device, fields === undefined]), [
      ['a', true], ['b', true], ['c', true], ['d', false],
    ]);
  });

  it('has no lines for an empty file or one with only the header', () => {
    assert.deepEqual(lines(''), []);
    assert.deepEqual(lines(HEADER), []);
  });
});

describe('sysfs counter reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hifreq-counter-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads decimal counters, 64-bit ones as Number() rounds them', () => {
    assert.equal(readCachedCounter(file('a', '0\n')), 0);
    assert.equal(readCachedCounter(file('b', '4294967295\n')), 4294967295);
    assert.equal(readCachedCounter(file('c', '18446744073709551615\n')), Number('18446744073709551615'));
    assert.equal(readCachedCounter(file('d', '  42 \n')), 42);
  });

  it('tells "N/A (no PMA)" from garbage, a negative value and an empty file', () => {
    assert.equal(readCachedCounter(file('na', 'N/A (no PMA)\n')), NOT_AVAILABLE);
    assert.ok(Number.isNaN(readCachedCounter(file('g', 'garbage\n'))));
    assert.ok(Number.isNaN(readCachedCounter(file('neg', '-1\n'))));
    assert.ok(Number.isNaN(readCachedCounter(file('mixed', '12 34\n'))));
    assert.ok(Number.isNaN(readCachedCounter(file('empty', ''))));
  });

  it('returns undefined for a file that does not exist', () => {
    assert.equal(readCachedCounter(join(dir, 'missing')), undefined);
  });

  it('sees a new value on every read of the same file (cached descriptor, pread at 0)', () => {
    const path = file('changing', '1\n');
    assert.equal(readCachedCounter(path), 1);
    writeFileSync(path, '1000000\n');
    assert.equal(readCachedCounter(path), 1000000);
  });
});
