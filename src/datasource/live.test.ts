import { encodeChannelComponent, liveChannelError, streamPath } from './live';

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
  it('adds node, device and groupBy when the query has any of them (pkg/plugin TestStreamPathRoundTrip)', () => {
    expect(streamPath({ cluster: 'a', job: 'j', signal: 'ib_rx_bits', node: 'gpu-1' })).toBe('signal/a/j/ib_rx_bits/gpu-1/=2A/=2A');
    expect(streamPath({ cluster: 'a', job: 'llama "v2"', signal: 'nic_drops', node: '/n1|n2/', device: 'eth0', groupBy: 'device' })).toBe(
      'signal/a/llama=20=22v2=22/nic_drops/=2Fn1=7Cn2=2F/eth0/device'
    );
    expect(streamPath({ signal: 'ib_rx_bits', device: 'mlx5_0|mlx5\\.1', groupBy: 'node' })).toBe(
      'signal/=2A/=2A/ib_rx_bits/=2A/mlx5_0=7Cmlx5=5C.1/node'
    );
    expect(streamPath({ cluster: 'ü', job: 'a=b', signal: 'tcp_states', groupBy: 'job' })).toBe('signal/=C3=BC/a=3Db/tcp_states/=2A/=2A/job');
  });
  it('refuses a query without a signal, saying what to do', () => {
    expect(() => streamPath({ cluster: 'a', job: 'b' })).toThrow('Live needs a signal: pick one in the query editor.');
  });
  it('says when a channel is too long for Grafana Live, and what to do', () => {
    expect(liveChannelError('hifreq-vm', 'signal/a/j/ib_rx_bits')).toBeUndefined();
    const path = streamPath({ cluster: 'a', job: 'j', signal: 'ib_rx_bits', node: '/' + Array.from({ length: 12 }, (_, i) => `gpu-node-${i}`).join('|') + '/' });
    expect(`ds/hifreq-vm/${path}`).toHaveLength(204);
    expect(liveChannelError('hifreq-vm', path)).toBe(
      "The Live channel of this query is 204 characters, over Grafana Live's 160 (every character other than A-Z a-z 0-9 _ - . takes 3): pick fewer nodes or devices, or turn Live off"
    );
  });
});
