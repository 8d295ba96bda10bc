/**
 * Station benchmarks: `npx tsx bench/index.ts` runs every suite, `npx tsx bench/index.ts keys`
 * only the named ones, `--list` lists them. Each suite prints a table and whether its goals
 * are met; the last lines of stdout are one JSON line per suite (`{"bench":"keys",...}`).
 * Progress goes to stderr. The exit code is 0 whether or not goals are met; it is 2 for an
 * unknown suite name and 1 when a suite crashed.
 */
import { cliSuite } from './cli.js';
import { fleetSuite } from './fleet.js';
import { keysSuite } from './keys.js';
import { registrySuite } from './registry.js';
import { jsonLine, renderSuite } from './report.js';
import { serialSuite } from './serial.js';
import { transportsSuite } from './transports.js';
import { pkcs11Suite } from './pkcs11.js';
import type { BenchSuite } from './suite.js';
import { nowS } from './timing.js';

/** Add later suites (station) here. */
const SUITES: BenchSuite[] = [keysSuite(), registrySuite(), serialSuite(), cliSuite(), fleetSuite(), transportsSuite(), pkcs11Suite()];

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--list') || argv.includes('--help') || argv.includes('-h')) {
    for (const s of SUITES) process.stdout.write(`${s.name.padEnd(12)} ${s.description}\n`);
    return 0;
  }
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length) {
    process.stderr.write(`unknown bench suite: ${unknown.join(', ')} (have: ${SUITES.map((s) => s.name).join(', ')})\n`);
    return 2;
  }
  const chosen = names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES;
  const lines: string[] = [];
  let crashed = false;
  for (const suite of chosen) {
    const start = nowS();
    try {
      const r = await suite.run((msg) => process.stderr.write(`[bench ${suite.name}] ${msg}\n`));
      const elapsed = nowS() - start;
      process.stdout.write(renderSuite(suite.name, r, elapsed) + '\n\n');
      lines.push(jsonLine(suite.name, r, elapsed));
    } catch (e) {
      crashed = true;
      process.stderr.write(`[bench ${suite.name}] crashed: ${(e as Error).stack ?? String(e)}\n`);
      lines.push(JSON.stringify({ bench: suite.name, crashed: true, error: (e as Error).message }));
    }
  }
  for (const l of lines) process.stdout.write(l + '\n');
  return crashed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
