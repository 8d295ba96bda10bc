// node --import <register.mjs> runner.mjs <file URL of the built main>
// Loads the built main against the Electron stand-in, plays a short session, and prints one
// `REPORT {json}` line. Used by test/integration/electron-main.test.ts.
import { createRequire, register } from 'node:module';

register('./hooks.mjs', import.meta.url);
const fake = await import('electron');
const { record, handlers, app } = fake;
const report = { ok: true };
const exited = new Promise((resolve) => app.once('fake-exit', resolve));

const until = async (cond, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

try {
  await import(process.argv[2]);
  if (process.env.FAKE_ELECTRON_LOCK === '0') {
    report.exitCode = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 1000))]);
  } else {
    await until(() => record.windows.length > 0 && handlers.size > 0);
    const win = record.windows[0];
    const ours = { senderFrame: { url: `${win.url}#/line` } };
    const foreign = { senderFrame: { url: 'https://evil.example/' } };
    report.channels = [...handlers.keys()].sort();
    report.webPreferences = win.options.webPreferences;
    report.windowUrl = win.url;
    report.hardened = {
      csp: typeof win.webContents.session.csp === 'function',
      windowOpen: win.webContents.windowOpen?.({ url: 'https://evil.example/' }),
      navigate: win.webContents.listenerCount('will-navigate'),
      webview: win.webContents.listenerCount('will-attach-webview'),
      permissionCheck: win.webContents.session.permissionCheck?.(null, 'serial', '', {}),
    };
    const origWarn = console.warn;
    console.warn = () => {};
    report.foreign = await handlers.get('wxprov:app.state')(foreign, undefined);
    console.warn = origWarn;
    report.state = await handlers.get('wxprov:app.state')(ours, undefined);
    report.badInput = await handlers.get('wxprov:app.setLocale')(ours, { locale: 'fr' });
    report.setLocale = await handlers.get('wxprov:app.setLocale')(ours, { locale: 'en' });
    // A mode opens the database: which better-sqlite3 addon main gave it shows in `addons`.
    if (process.env.FAKE_ELECTRON_MODE) report.mode = await handlers.get('wxprov:app.chooseMode')(ours, { mode: process.env.FAKE_ELECTRON_MODE });
    await until(() => record.sent.some((s) => s.channel === 'wxprov-event:app'));
    report.sentChannels = [...new Set(record.sent.map((s) => s.channel))];
    app.emit('second-instance', {}, [], process.cwd());
    report.focusedOnSecondInstance = win.focused;
    app.emit('window-all-closed');
    report.exitCode = await Promise.race([exited, new Promise((r) => setTimeout(() => r('no exit after quit'), 10_000))]);
    report.handlersAfterQuit = handlers.size;
  }
} catch (e) {
  report.ok = false;
  report.error = String(e?.stack ?? e);
}
report.paths = record.paths;
report.name = record.name;
report.sandbox = record.sandbox;
report.lockRequested = record.lockRequested;
report.windows = record.windows.length;
report.errors = record.errors;
report.addons = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.endsWith('.node'));
console.log(`REPORT ${JSON.stringify(report)}`);
process.exit(0);
