#!/usr/bin/env node
// `wxprov`: runs the compiled CLI (out/cli/wxprov.cjs, made by `npm install`), rebuilt first
// when a source it was built from changed since (scripts/cli-bundle.mjs: a stat per source
// file, well under a millisecond). Only if it cannot be rebuilt does it run the TypeScript
// sources through tsx, and says so.
import { createRequire } from 'node:module';
import { BUNDLE, staleReason } from '../scripts/cli-bundle.mjs';

const stale = staleReason();
let built = stale === undefined;
if (!built) {
  try {
    const { buildCli } = await import('../scripts/build-cli.mjs');
    await buildCli({ logLevel: 'silent' });
    built = true;
  } catch (e) {
    const why = String(e instanceof Error ? e.message : e).split('\n').filter(Boolean).slice(0, 3).join(' ');
    process.stderr.write(`wxprov: cannot rebuild ${BUNDLE} (${stale}): ${why}; running the TypeScript sources through tsx instead\n`);
  }
}
if (built) createRequire(import.meta.url)(BUNDLE);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../main/core/cli/wxprov.ts');
}
