import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { cliDaemon } from '../helpers/cli.js';

/** Debian's Chromium: Playwright's own browser download is not reachable here or in CI. */
export const CHROMIUM = process.env.WXPROV_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Station {
  /** The page URL with the session token, as `wxprov ui` printed it. */
  url: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  token: string;
  home: string;
  /** Everything the process wrote to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Ctrl-C, then the exit code (SIGKILL after 15 s). */
  stop(): Promise<number | null>;
  /** Sends the process a signal (SIGKILL: the station dies; SIGSTOP/SIGCONT: it hangs and comes back). */
  signal(sig: NodeJS.Signals): void;
}

export interface StationOptions {
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /** How long to wait for the URL (the first run may build the renderer). */
  timeoutMs?: number;
}

const cleanup: (() => Promise<unknown> | void)[] = [];

/**
 * A renderer built elsewhere (`vite build --config renderer/vite.config.ts --outDir <dir>`), served
 * instead of out/renderer: `wxprov ui` builds out/renderer only when it is missing, so a run after
 * renderer changes, or beside others using out/renderer, points here at a fresh build.
 */
const STATIC_DIR = process.env.WXPROV_E2E_STATIC_DIR;

/** `wxprov ui --port 0` as a child process in a fresh WXPROV_HOME with a key passphrase set. */
export async function startStation(o: StationOptions = {}): Promise<Station> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-e2e-home-'));
  const d = cliDaemon(['ui', '--port', '0', ...(STATIC_DIR ? ['--static-dir', STATIC_DIR] : []), ...(o.args ?? [])], {
    WXPROV_HOME: home,
    WXPROV_KEY_PASSPHRASE: 'e2e passphrase, not a secret',
    WXPROV_OPERATOR: 'e2e',
    ...o.env,
  });
  let stderr = '';
  d.child.stderr.setEncoding('utf8');
  d.child.stderr.on('data', (c: string) => (stderr += c));
  let stopped: Promise<number | null> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (d.child.exitCode !== null || d.child.signalCode !== null) return d.child.exitCode;
      const killer = setTimeout(() => d.child.kill('SIGKILL'), 15_000);
      try {
        return await d.stop();
      } finally {
        clearTimeout(killer);
        fs.rmSync(home, { recursive: true, force: true });
      }
    })());
  cleanup.push(stop);
  const timeoutMs = o.timeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  let first: string;
  try {
    first = await Promise.race([
      d.firstLine,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`wxprov ui printed no URL within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\nstderr:\n${stderr}`);
  } finally {
    clearTimeout(timer);
  }
  const url = new URL(first);
  return {
    url: first,
    origin: url.origin,
    token: url.searchParams.get('token') ?? '',
    home,
    stdout: d.output,
    stderr: () => stderr,
    stop,
    signal: (sig) => void d.child.kill(sig),
  };
}

/** Calls the bridge like the page does (token header, JSON): the Result, ok or not. */
export async function bridgeCall(s: Pick<Station, 'origin' | 'token'>, name: string, input: unknown = {}): Promise<{ ok: boolean; value?: any; error?: any }> {
  const r = await fetch(`${s.origin}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-wxprov-token': s.token },
    body: JSON.stringify(input),
  });
  return (await r.json()) as { ok: boolean; value?: any; error?: any };
}

/** bridgeCall's value; an error answer throws, naming the message. */
export async function bridgeValue(s: Pick<Station, 'origin' | 'token'>, name: string, input: unknown = {}): Promise<any> {
  const body = await bridgeCall(s, name, input);
  if (!body.ok) throw new Error(`${name}: ${JSON.stringify(body.error)}`);
  return body.value;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** console errors and uncaught page errors, for assertions and failure messages. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Debian Chromium through playwright-core, headless, with a fresh user-data dir.
 * `ignoreHTTPSErrors`: for the factory server's dashboard, whose certificate is its own (self-signed).
 */
export async function launchBrowser(o: { ignoreHTTPSErrors?: boolean } = {}): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxprov-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'zh-CN',
    viewport: { width: 1366, height: 900 },
    ignoreHTTPSErrors: o.ignoreHTTPSErrors ?? false,
  });
  const errors: string[] = [];
  const watch = (p: Page) => {
    p.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  };
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    })());
  cleanup.push(close);
  return { context, page, errors, close };
}

/** Closes every browser and station the helpers started (newest first); for afterAll/afterEach. */
export async function closeAll(): Promise<void> {
  while (cleanup.length) {
    try {
      await cleanup.pop()!();
    } catch {
      // keep closing the rest
    }
  }
}
