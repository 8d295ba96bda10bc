import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintForms, parseFingerprint } from '../../main/core/fleet/fingerprint.js';
import { serverUrl } from '../../main/core/fleet/join.js';
import { compactFingerprint, fingerprintRows, isServerAddress, looksLikeFingerprint, serverAddress } from '../../renderer/src/util/fingerprint.js';

// The join card's early checks must agree with the core's (which decides): a form the card
// lets through and the core refuses, or the other way round, would confuse the engineer.

const hex = crypto.createHash('sha256').update('cert').digest('hex');
const forms = fingerprintForms(hex);

describe("the join card's fingerprint and address checks", () => {
  it('accept exactly what the core parses, once the spaces a terminal adds are gone', () => {
    const samples = [
      hex,
      hex.toUpperCase(),
      forms.colons,
      forms.colons.toLowerCase(),
      forms.sha256,
      forms.sha256.replace(/=$/, ''),
      forms.sha256.replace(/\+/g, '-').replace(/\//g, '_').replace('sha256_', 'sha256/'),
      `${forms.colons.slice(0, 47)}\n${forms.colons.slice(47)}`,
      `  ${hex}  `,
      hex.slice(1),
      `${hex}0`,
      forms.colons.replace(/:/, ';'),
      'sha256/short',
      'g'.repeat(64),
      '',
    ];
    for (const s of samples) {
      expect([s, looksLikeFingerprint(s)]).toEqual([s, parseFingerprint(compactFingerprint(s)) !== undefined]);
      if (looksLikeFingerprint(s)) expect(parseFingerprint(compactFingerprint(s))).toBe(hex);
    }
  });

  it('group the colon form into rows of eight pairs', () => {
    const rows = fingerprintRows(forms.colons);
    expect(rows).toHaveLength(4);
    expect(rows.join(':')).toBe(forms.colons);
  });

  it('take an address the core takes (https assumed when no scheme is typed)', () => {
    const samples = ['https://10.0.0.5:8443', 'https://10.0.0.5:8443/', '10.0.0.5:8443', ' server.local:8443 ', 'http://10.0.0.5:8443', 'https://10.0.0.5:8443/v1', 'https://u:p@10.0.0.5', 'https://h/?q', 'not a url', ''];
    for (const s of samples) {
      let core = true;
      try {
        serverUrl(serverAddress(s));
      } catch {
        core = false;
      }
      expect([s, isServerAddress(s)]).toEqual([s, core]);
    }
  });
});
