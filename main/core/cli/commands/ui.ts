import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { startBridge } from '../../app/bridge/index.js';
import { createAppService, openAppSettings } from '../../app/index.js';
import { readEnv } from '../../config/env.js';
import { packageRoot, rendererDir } from '../../config/package-root.js';
import { WxError } from '../../errors/wx-error.js';
import { optInt, optStr } from '../args.js';
import { JSON_OPT, type Command } from '../command.js';

const ROOT = packageRoot();
export const RENDERER_DIR = rendererDir();

/** `vite build --config renderer/vite.config.ts` with the local vite; its output goes to stderr. */
async function buildRenderer(stderr: Writable): Promise<void> {
  let viteBin: string;
  try {
    const req = createRequire(path.join(ROOT, 'package.json'));
    const pkgFile = req.resolve('vite/package.json');
    const bin = (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { bin?: Record<string, string> | string }).bin;
    viteBin = path.join(path.dirname(pkgFile), typeof bin === 'string' ? bin : (bin?.vite ?? 'bin/vite.js'));
  } catch {
    throw new WxError('INTERNAL', { detail: 'the renderer is not built and vite is not installed (npm install)' });
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build', '--config', 'renderer/vite.config.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(stderr, { end: false });
    child.stderr.pipe(stderr, { end: false });
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new WxError('INTERNAL', { detail: `the renderer build failed (vite build exited ${code}); see the output above` });
}

export const uiCommand: Command = {
  path: ['ui'],
  usage: 'wxprov ui [--port <n>] [--static-dir <dir>] [--json]',
  summary: 'Run the station in your browser: the app over a loopback bridge on 127.0.0.1 (prints its URL, with the session token, first)',
  options: { ...JSON_OPT, port: { type: 'string' }, 'static-dir': { type: 'string' } },
  async run(v, _p, io) {
    const port = optInt(v, 'port', 0, 65535) ?? 0;
    const { home } = readEnv(io.env);
    const given = optStr(v, 'static-dir');
    const staticDir = given ? path.resolve(given) : RENDERER_DIR;
    if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
      if (given) throw new WxError('INPUT_INVALID', { field: '--static-dir', detail: `${staticDir} has no index.html`, allowed: 'a built renderer folder (out/renderer)' });
      io.stderr.write('The renderer is not built yet (out/renderer/index.html is missing): building it now with vite build --config renderer/vite.config.ts ...\n');
      io.stderr.write('界面尚未构建（缺少 out/renderer/index.html）：正在用 vite 构建……\n');
      await buildRenderer(io.stderr);
    }

    // No OS keychain here: real mode's key store unlocks at start with WXPROV_KEY_PASSPHRASE,
    // as the CLI does, or the setup screen asks for the passphrase. Simulation needs neither.
    const service = await createAppService({
      home,
      env: io.env,
      kv: openAppSettings(home),
      shell: 'browser',
    });
    let bridge;
    try {
      bridge = await startBridge({
        handlers: service.handlers,
        onEvent: (cb) => service.onEvent(cb),
        staticDir,
        host: '127.0.0.1',
        port,
        exportsDir: path.join(home, 'exports'),
      });
    } catch (e) {
      await service.close();
      throw e;
    }

    // The URL is the first line on purpose: scripts (npm start, the tests) read it with `head -1`.
    if (v.json) io.stdout.write(JSON.stringify({ url: bridge.url, port: bridge.port, home }) + '\n');
    else {
      io.stdout.write(`${bridge.url}\n`);
      io.stdout.write(
        [
          `The station is running at ${bridge.url} (Ctrl-C to stop)`,
          `工位已启动，请在浏览器中打开上面的地址（按 Ctrl-C 停止）`,
          `Data: ${home}`,
          'The address carries this session\'s token: only this computer can open it, and only with the token.',
          '',
        ].join('\n'),
      );
    }
    await io.interrupted;
    await bridge.close();
    await service.close();
  },
};
