// YAML parsing, loaded on first use: JSON documents (the common pod file) never pay for the
// yaml package's heap.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function parseYamlOrJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // YAML flow mappings also start with "{": let the YAML parser decide.
    }
  }
  return (require('yaml') as typeof import('yaml')).parse(text);
}
