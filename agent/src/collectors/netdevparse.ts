// Parser of the /proc/net/dev format, shared by the node NIC collector and the pod interface collector.

/** Field indexes in a /proc/net/dev line after the `iface:`. */
export const RX_BYTES = 0, RX_PACKETS = 1, RX_ERRS = 2, RX_DROP = 3, TX_BYTES = 8, TX_PACKETS = 9, TX_ERRS = 10, TX_DROP = 11;

export interface NetDevLine {
  device: string;
  /** The 16 counters, or undefined when the line is malformed. */
  fields: number[] | undefined;
  raw: string;
}

export function parseNetDev(text: string): NetDevLine[] {
  const out: NetDevLine[] = [];
  const lines = text.split('\n');
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const device = line.slice(0, colon).trim();
    const parts = line.slice(colon + 1).trim().split(/\s+/);
    let fields: number[] | undefined = parts.length >= 16 ? new Array<number>(16) : undefined;
    if (fields) {
      for (let f = 0; f < 16; f++) {
        const p = parts[f];
        if (!/^\d+$/.test(p)) {
          fields = undefined;
          break;
        }
        fields[f] = Number(p);
      }
    }
    out.push({ device, fields, raw: line });
  }
  return out;
}
