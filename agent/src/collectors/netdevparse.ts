// Parser of the /proc/net/dev format, shared by the node NIC collector and the pod interface collector.
// It scans the text in place: a node with a hundred interfaces is read every second, and splitting
// every line into strings made this parser the agent's largest source of garbage.

/** Field indexes in a /proc/net/dev line after the `iface:`. */
export const RX_BYTES = 0, RX_PACKETS = 1, RX_ERRS = 2, RX_DROP = 3, TX_BYTES = 8, TX_PACKETS = 9, TX_ERRS = 10, TX_DROP = 11;

const FIELDS = 16;
/** Up to 15 digits a decimal accumulates exactly in a double; longer numbers go through Number(). */
const EXACT_DIGITS = 15;

/**
 * Called for each interface line: `fields` holds the line's 16 counters (a scratch array reused
 * for every line: copy what you keep) or is undefined when the line is malformed. The line is
 * `text.slice(start, end)`, for error messages.
 */
export type NetDevLineVisitor = (device: string, fields: Float64Array | undefined, start: number, end: number) => void;

const scratch = new Float64Array(FIELDS);

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/** Parses the counters after the colon into `scratch`; false when one of the first 16 is not a decimal integer or fewer than 16 are present. */
function parseFields(text: string, from: number, end: number): boolean {
  let i = from;
  for (let f = 0; f < FIELDS; f++) {
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    const start = i;
    let value = 0;
    while (i < end && !isSpace(text.charCodeAt(i))) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return false;
      value = value * 10 + digit;
      i++;
    }
    if (i === start) return false;
    scratch[f] = i - start <= EXACT_DIGITS ? value : Number(text.slice(start, i));
  }
  return true;
}

/** Visits every interface line of a /proc/net/dev text (the two header lines are skipped). */
export function forEachNetDevLine(text: string, visit: NetDevLineVisitor): void {
  let start = 0;
  for (let header = 0; header < 2 && start < text.length; header++) {
    const nl = text.indexOf('\n', start);
    start = nl < 0 ? text.length : nl + 1;
  }
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', start);
    if (colon >= 0 && colon < end) {
      const device = text.slice(start, colon).trim();
      visit(device, parseFields(text, colon + 1, end) ? scratch : undefined, start, end);
    }
    start = end + 1;
  }
}

/** The interface names of a /proc/net/dev text, in file order. */
export function netDevInterfaces(text: string): string[] {
  const out: string[] = [];
  forEachNetDevLine(text, (device) => out.push(device));
  return out;
}
