import { encodeChannelComponent, streamPath } from './live';

describe('Live channel paths (docs/backend.md "Live streaming")', () => {
  it('keeps the characters Grafana Live allows', () => {
    expect(encodeChannelComponent('gpu-a_1.x')).toBe('gpu-a_1.x');
  });
  it('writes every other byte as =XX, = itself included', () => {
    expect(encodeChannelComponent('llama "v2"')).toBe('llama=20=22v2=22');
    expect(encodeChannelComponent('a=b')).toBe('a=3Db');
  });
  it('encodes UTF-8 byte by byte', () => {
    expect(encodeChannelComponent('é')).toBe('=C3=A9');
  });
  it('uses * for an empty component', () => {
    expect(encodeChannelComponent('')).toBe('=2A');
    expect(encodeChannelComponent(undefined)).toBe('=2A');
  });
  it('builds signal/<cluster>/<job>/<signal> like the backend examples', () => {
    expect(streamPath({ cluster: 'gpu-a', job: 'llama "v2"', signal: 'ib_rx_bits' })).toBe('signal/gpu-a/llama=20=22v2=22/ib_rx_bits');
    expect(streamPath({ cluster: '*', job: '/a|b/', signal: 'ib_rx_bits' })).toBe('signal/=2A/=2Fa=7Cb=2F/ib_rx_bits');
  });
  it('refuses a query without a signal, saying what to do', () => {
    expect(() => streamPath({ cluster: 'a', job: 'b' })).toThrow('Live needs a signal: pick one in the query editor.');
  });
});
