// Kubernetes equality-based label selectors: `k=v`, `k==v`, `k!=v`, `k` (exists), `!k` (absent),
// comma-separated requirements all of which must hold.

export type Selector = (labels: Record<string, string>) => boolean;

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

export function parseSelector(text: string): Selector {
  const reqs: Selector[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (!part) {
      throw new Error(`invalid --pods.selector ${JSON.stringify(text)}: empty requirement; expected comma-separated k=v, k!=v, k or !k (e.g. monitor=high-frequency)`);
    }
    const m = /^(!?)([^=!]+?)\s*(?:(==|=|!=)\s*(.*))?$/.exec(part);
    if (!m || !KEY.test(m[2]) || (m[1] && m[3])) {
      throw new Error(`invalid --pods.selector ${JSON.stringify(text)}: cannot parse ${JSON.stringify(part)}; expected k=v, k!=v, k or !k (e.g. monitor=high-frequency)`);
    }
    const [, not, key, op, value] = m;
    if (!op) reqs.push(not ? (l) => !(key in l) : (l) => key in l);
    else if (op === '!=') reqs.push((l) => l[key] !== value);
    else reqs.push((l) => l[key] === value);
  }
  return (labels) => reqs.every((r) => r(labels));
}
