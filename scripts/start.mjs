// `npm start`: the station app. With Electron's binary installed it builds and launches the
// desktop app; without it (CI, offline installs, ELECTRON_SKIP_BINARY_DOWNLOAD) it says so
// plainly and opens the same UI in the browser through `wxprov ui` (the loopback bridge).
// Extra arguments go to `wxprov ui`: `npm start -- --port 8080`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
const isWindows = process.platform === 'win32';

/**
 * The Electron executable, or null when its binary is not installed. `require('electron')`
 * returns the path, but when the binary is missing it first tries to download it (Electron
 * 40+) — noisy, slow, and impossible offline — so look for it the way it does, without that.
 */
function electronBinary() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  let rel;
  try {
    rel = fs.readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim();
  } catch {
    rel = undefined;
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? path.join(override, rel || 'electron') : rel ? path.join(pkgDir, 'dist', rel) : null;
  if (!candidate || !fs.existsSync(candidate)) return null;
  try {
    const p = require('electron');
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/**
 * Runs a child in its own process group (POSIX) and forwards exactly one SIGINT/SIGTERM to it,
 * so Ctrl-C reaches it once and it can close cleanly. Resolves with its exit code.
 */
function runForwarding(cmd, args, opts) {
  const child = spawn(cmd, args, { cwd: ROOT, detached: !isWindows, ...opts });
  const forward = (sig) => () => {
    // On Windows the console delivers Ctrl-C to every process attached to it already.
    if (!isWindows && child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  const handlers = { SIGINT: forward('SIGINT'), SIGTERM: forward('SIGTERM'), SIGHUP: forward('SIGTERM') };
  for (const [sig, h] of Object.entries(handlers)) process.on(sig, h);
  // If this process goes away some other way, do not leave the child behind.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  const done = new Promise((resolve) => {
    child.once('error', (e) => {
      console.error(`Could not start ${cmd}: ${e.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      for (const [sig, h] of Object.entries(handlers)) process.off(sig, h);
      process.off('exit', onExit);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
  return { child, done };
}

const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir, name), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });

/** Best effort: open the page in the desktop's browser. Never fails, never blocks. */
function tryOpen(url) {
  if (process.env.CI || process.env.WXPROV_NO_OPEN) return false;
  let cmd;
  let args;
  if (process.platform === 'darwin') [cmd, args] = ['open', [url]];
  else if (isWindows) [cmd, args] = ['cmd', ['/c', 'start', '""', url]];
  else {
    // Without a display, xdg-open would start a text browser in this terminal: don't.
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
    [cmd, args] = ['xdg-open', [url]];
  }
  if (!isWindows && !onPath(cmd)) return false;
  try {
    const c = spawn(cmd, args, { stdio: 'ignore', detached: true, windowsHide: true, windowsVerbatimArguments: isWindows });
    c.on('error', () => {});
    c.unref();
    return true;
  } catch {
    return false;
  }
}

async function launchElectron(electron) {
  console.log('Building the app (npm run build) ...  正在构建应用……');
  const npm = isWindows ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: isWindows });
  if (build.status !== 0) {
    console.error('The build failed (see above).  构建失败（见上方输出）。');
    return build.status ?? 1;
  }
  // Electron's main refuses better-sqlite3 as npm built it for Node (another NODE_MODULE_VERSION):
  // its Electron build is made first, once; without it the same app opens in the browser.
  const { prepareElectronNative } = await import('./electron-native.mjs');
  if (!(await prepareElectronNative())) {
    return launchBrowserUi([
      '没有本机模块的 Electron 版本，工位将改为在浏览器中打开（功能相同）。',
      'Without the Electron build of the native modules, the station opens in your browser instead (same app).',
      '',
    ]);
  }
  const { done } = runForwarding(electron, ['.', ...process.argv.slice(2)], { stdio: ['ignore', 'inherit', 'inherit'] });
  return done;
}

async function launchBrowserUi(why) {
  console.log(why.join('\n'));
  const { child, done } = runForwarding(process.execPath, ['--import', 'tsx', path.join(ROOT, 'main/core/cli/wxprov.ts'), 'ui', ...process.argv.slice(2)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  let announced = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    if (announced) {
      process.stdout.write(chunk);
      return;
    }
    buffered += chunk;
    const nl = buffered.indexOf('\n');
    if (nl < 0) return;
    announced = true;
    const url = buffered.slice(0, nl).trim();
    const opened = tryOpen(url);
    process.stdout.write(
      [
        opened ? '已在浏览器中打开工位；若没有打开，请手动打开下面的地址：' : '请在浏览器中打开下面的地址：',
        opened ? 'The station was opened in your browser; if it did not appear, open this address:' : 'Open this address in your browser:',
        '',
        `  ${url}`,
        '',
        '按 Ctrl-C 停止工位。 Press Ctrl-C to stop the station.',
        '',
      ].join('\n'),
    );
    const rest = buffered.slice(nl + 1);
    // The rest of wxprov ui's greeting repeats the URL; keep its remaining lines for reference.
    if (rest) process.stdout.write(rest);
  });
  return done;
}

const electron = electronBinary();
const code = electron
  ? await launchElectron(electron)
  : await launchBrowserUi([
      '未安装 Electron 程序文件，工位将改为在浏览器中打开（功能相同）。',
      "Electron's binary is not installed, so the station opens in your browser instead (same app).",
      '',
    ]);
process.exitCode = code;
