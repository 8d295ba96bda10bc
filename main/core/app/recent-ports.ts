import type { KeyValueStore } from './kv.js';

const KEY = 'recent_ports';
const MAX = 12;

/** A slot spec that names a path (sn: and loc: name an adapter, found by the port list). */
export const isPathSpec = (spec: string): boolean => spec.trim() !== '' && !/^(sn|loc):/.test(spec);

/** The paths slots used before, newest first: the port picker lists them while they still lead to a tty. */
export function recentPorts(kv: KeyValueStore): string[] {
  const v = kv.get(KEY);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Puts these paths first; the list stays short, an old path falls off the end. */
export function rememberPorts(kv: KeyValueStore, specs: readonly string[]): void {
  const paths = specs.filter(isPathSpec);
  if (paths.length === 0) return;
  const next = [...new Set([...paths, ...recentPorts(kv)])].slice(0, MAX);
  const before = recentPorts(kv);
  if (next.length !== before.length || next.some((p, i) => p !== before[i])) kv.set(KEY, next);
}
