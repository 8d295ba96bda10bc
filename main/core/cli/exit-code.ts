import type { ErrorCode } from '../errors/codes.js';

/**
 * Codes outside INPUT_* that still mean the command line (or a file it names) is wrong, so
 * the fix is to run it differently: exit 2, like every INPUT_* code. Codes about the
 * environment (CONFIG_*), the ledger's state (PRODUCT_NOT_FOUND: a well-formed id naming
 * nothing recorded), ports, units or the platform stay 1.
 */
const BAD_INPUT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SETTING_INVALID', // config set <key> <value>
  'TEMPLATE_INVALID', // product set --id-template
  'KEY_EXPORT_PRIVATE_REFUSED', // key export without --public: the only form there is
  'KEY_BAD_PEM', // key import --private-key <file>
  'KEY_NOT_P256',
  'SIGNATURE_MALFORMED', // verify --signature
  'FILE_UNREADABLE', // --file, --msg-file, --private-key
]);

/** 0 ok, 1 failed, 2 bad input: what a script needs to tell "fix the command" from "try again". */
export const exitCodeFor = (code: ErrorCode): 1 | 2 => (code.startsWith('INPUT_') || BAD_INPUT.has(code) ? 2 : 1);
