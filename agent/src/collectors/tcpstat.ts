// TCP connection states from /proc/net/tcp and /proc/net/tcp6 (the `st` column, hex).
import { join } from 'node:path';
import { NODE, type Collector, type CollectorPaths, type SampleOut } from './collector.ts';
import { readCachedOrUndefined } from './fsread.ts';

const STATES = ['', 'established', 'syn_sent', 'syn_recv', 'fin_wait1', 'fin_wait2', 'time_wait', 'close', 'close_wait', 'last_ack', 'listen', 'closing'];

export class TcpStatCollector implements Collector {
  readonly name = 'tcpstat';
  private readonly files: string[];
  private readonly extras = STATES.map((state) => ({ state }));

  constructor(paths: CollectorPaths) {
    this.files = [join(paths.procfs, 'net/tcp'), join(paths.procfs, 'net/tcp6')];
  }

  discover(): string[] {
    return [NODE];
  }

  collect(_devices: readonly string[], out: SampleOut): void {
    const counts = new Array<number>(STATES.length).fill(0);
    let readAny = false;
    let ts = 0;
    for (const file of this.files) {
      const text = readCachedOrUndefined(file);
      if (text === undefined) continue; // no IPv6 is fine
      readAny = true;
      ts = Date.now();
      let pos = text.indexOf('\n') + 1; // skip the header
      while (pos > 0 && pos < text.length) {
        const end = text.indexOf('\n', pos);
        const line = text.slice(pos, end < 0 ? text.length : end);
        pos = end < 0 ? -1 : end + 1;
        // "  0: 0100007F:1F90 00000000:0000 0A ..." — the 4th field is the state.
        const fields = line.trim().split(/\s+/, 4);
        if (fields.length < 4) continue;
        const st = parseInt(fields[3], 16);
        if (st > 0 && st < STATES.length) counts[st]++;
        else {
          out.error(NODE, `malformed state ${JSON.stringify(fields[3])} in ${file}`);
        }
      }
    }
    if (!readAny) {
      out.error(NODE, `cannot read ${this.files[0]}`);
      return;
    }
    for (let st = 1; st < STATES.length; st++) {
      out.add(NODE, 'node_tcp_connection_states', STATES[st], this.extras[st], counts[st], ts);
    }
  }
}
