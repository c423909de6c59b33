// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { MessageChannel, MessagePort } from 'node:worker_threads';

// jsdom lacks these Web APIs that React 19's server renderer (pulled in by @grafana/ui) and
// Grafana 13 components use; Node's own implementations stand in for the browser's.
Object.assign(global, { MessageChannel, MessagePort });
if (!global.ResizeObserver) {
  global.ResizeObserver = class ResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
if (!global.structuredClone) {
  global.structuredClone = (v) => JSON.parse(JSON.stringify(v));
}
if (!global.IntersectionObserver) {
  global.IntersectionObserver = class IntersectionObserver {
    constructor() {}
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
}
