import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ElectronTarget {
  version: string;
  /** Its NODE_MODULE_VERSION: what `process.versions.modules` says inside it. */
  abi: string;
}

/**
 * The installed Electron's version and ABI, read from its npm package (`electronDir`) without
 * running it — the binary may be missing, and this must work where it is. The package ships
 * `abi_version`; node-abi's table (a dependency of the build tools) answers for one that does not.
 */
export function electronTarget(electronDir: string): ElectronTarget {
  const version = (JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8')) as { version: string }).version;
  let abi: string | undefined;
  try {
    abi = fs.readFileSync(path.join(electronDir, 'abi_version'), 'utf8').trim();
  } catch {
    abi = undefined;
  }
  if (!abi || !/^\d+$/.test(abi)) abi = nodeAbiTable(version);
  return { version, abi };
}

function nodeAbiTable(version: string): string {
  try {
    const { getAbi } = createRequire(import.meta.url)('node-abi') as { getAbi(target: string, runtime: string): string };
    return String(getAbi(version, 'electron'));
  } catch (e) {
    throw new Error(`cannot tell the ABI of Electron ${version}: its package has no abi_version and node-abi does not know it (${(e as Error).message})`, { cause: e });
  }
}
