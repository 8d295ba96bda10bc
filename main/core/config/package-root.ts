import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WxError } from '../errors/wx-error.js';

/**
 * The repository (or installed package) root: the nearest folder above this code with a
 * package.json, the same from the sources (main/core/config) and the bundle (out/cli).
 */
export function packageRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new WxError('INTERNAL', { detail: `no package.json above ${fileURLToPath(import.meta.url)}` });
  }
}

/** The built renderer (`npm run build:renderer`): what `wxprov ui` serves, and `wxprov server` as its dashboard. */
export const rendererDir = (): string => path.join(packageRoot(), 'out', 'renderer');
