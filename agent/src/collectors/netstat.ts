// Protocol counters from /proc/net/snmp and /proc/net/netstat (header line + value line per
// protocol), filtered like node_exporter's netstat collector: Tcp_RetransSegs and friends.
import { join } from 'node:path';
import { NODE, type Collector, type CollectorPaths, type SampleOut } from './collector.ts';
import { readCachedOrUndefined } from './fsread.ts';

export const NETSTAT_FIELDS =
  /^(?:.*_(?:InErrors|InErrs)|Ip_Forwarding|Ip(?:6|Ext)_(?:InOctets|OutOctets)|Icmp6?_(?:InMsgs|OutMsgs)|TcpExt_(?:Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop|TCPLostRetransmit)|Tcp_(?:ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(?:InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$/;

export class NetStatCollector implements Collector {
  readonly name = 'netstat';
  private readonly files: string[];
  /** Metric name per `Proto_Field`, or null when filtered out: decided once per field. */
  private readonly names = new Map<string, string | null>();

  constructor(paths: CollectorPaths) {
    this.files = [join(paths.procfs, 'net/snmp'), join(paths.procfs, 'net/netstat')];
  }

  discover(): string[] {
    return [NODE];
  }

  collect(_devices: readonly string[], out: SampleOut): void {
    for (const file of this.files) {
      const text = readCachedOrUndefined(file);
      if (text === undefined) {
        out.error(NODE, `cannot read ${file}`);
        continue;
      }
      const ts = Date.now();
      const lines = text.split('\n');
      for (let i = 0; i + 1 < lines.length; i += 2) {
        if (!lines[i]) continue;
        const header = lines[i].split(' ');
        const values = lines[i + 1].split(' ');
        const proto = header[0].replace(/:$/, '');
        if (values[0] !== header[0] || values.length !== header.length) {
          out.error(NODE, `malformed ${proto} lines in ${file}: header has ${header.length} fields, values ${values.length}`);
          continue;
        }
        for (let f = 1; f < header.length; f++) {
          const field = `${proto}_${header[f]}`;
          let name = this.names.get(field);
          if (name === undefined) {
            name = NETSTAT_FIELDS.test(field) ? `node_netstat_${field}` : null;
            this.names.set(field, name);
          }
          if (name === null) continue;
          const v = values[f];
          if (!/^-?\d+$/.test(v)) {
            out.error(NODE, `malformed value ${JSON.stringify(v)} for ${field} in ${file}`);
            continue;
          }
          out.add(NODE, name, '', undefined, Number(v), ts);
        }
      }
    }
  }
}
