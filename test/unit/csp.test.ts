import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSP, CSP_META } from '../../main/core/app/csp.js';

/** A policy as directive → sources. */
function parse(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([k, ...v]) => [k, v]),
  );
}

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the UI content security policy', () => {
  it('lets the page run only its own scripts and talk only to its own origin', () => {
    for (const policy of [CSP, CSP_META]) {
      const p = parse(policy);
      expect(p.get('default-src')).toEqual(["'self'"]);
      // No inline or evaluated script, no script from anywhere else.
      expect(p.get('script-src')).toEqual(["'self'"]);
      expect(p.get('connect-src')).toEqual(["'self'"]);
      expect(p.get('object-src')).toEqual(["'none'"]);
      expect(p.get('base-uri')).toEqual(["'none'"]);
      for (const [k, v] of p) {
        expect(v, k).not.toContain("'unsafe-eval'");
        expect(v.filter((s) => s === '*' || /^https?:/.test(s)), k).toEqual([]);
      }
    }
    expect(parse(CSP).get('frame-ancestors')).toEqual(["'none'"]);
    // The meta form is the header form less what a <meta> cannot carry.
    expect(CSP.startsWith(CSP_META)).toBe(true);
  });

  it('is defined once: the bridge, the Electron window and the page build all take it from csp.ts', () => {
    const sources = ['main/core/app/bridge/security.ts', 'main/window.ts', 'renderer/vite.config.ts'].map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')] as const);
    for (const [f, text] of sources) expect(text, f).not.toMatch(/default-src/);
    expect(sources[0][1]).toMatch(/from '\.\.\/csp\.js'/);
    expect(sources[2][1]).toMatch(/CSP_META/);
  });
});
