import { parseTokenChoice, type TokenChoice } from '../keys/token-choice.js';
import { optStr } from './args.js';
import type { Values } from './command.js';

/** The flags that put a product key in a hardware token (`key create|import`, `server key create`). */
export const TOKEN_OPTS = { 'pkcs11-module': { type: 'string' }, 'token-label': { type: 'string' }, 'token-serial': { type: 'string' } } as const;

/** --pkcs11-module with --token-label (or --token-serial): the token a key is made in or found in; none of them: a sealed key. */
export const tokenChoice = (v: Values, usage: string): TokenChoice | undefined =>
  parseTokenChoice({ module: optStr(v, 'pkcs11-module'), label: optStr(v, 'token-label'), serial: optStr(v, 'token-serial') }, { module: '--pkcs11-module', label: '--token-label', serial: '--token-serial' }, usage);
