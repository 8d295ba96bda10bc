import os from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * A small pool of worker threads that sign device ids for one product with one private key.
 *
 * The worker is an *eval* worker: its code is the CommonJS string below and needs nothing but
 * node:crypto and node:worker_threads, so it runs the same under tsx, vitest and a bundled
 * Electron main (there is no worker file whose path a bundler or loader would have to know).
 * The private key reaches the workers only in memory, as PKCS#8 DER in workerData; each
 * worker zeroes its copy once it holds the key as a KeyObject. Nothing here writes or logs it.
 *
 * What the workers compute is exactly signDeviceId (ecdsa.ts): ECDSA P-256 with SHA-256 over
 * the UTF-8 bytes `<product_id>_<device_id>`, DER, base64 on one line. The pool does not
 * validate ids; callers (KeyService.batchSigner, batchSign) do.
 */
export const SIGN_WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const raw = workerData.key;
const key = crypto.createPrivateKey({ key: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), format: 'der', type: 'pkcs8' });
raw.fill(0);
const prefix = String(workerData.productId) + '_';
parentPort.on('message', (m) => {
  const ids = m.ids;
  const sigs = new Array(ids.length);
  try {
    for (let i = 0; i < ids.length; i++) {
      sigs[i] = crypto.sign('sha256', Buffer.from(prefix + ids[i], 'utf8'), key).toString('base64');
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.message) || e) });
    return;
  }
  parentPort.postMessage({ id: m.id, sigs });
});
`;

/** Threads to sign with: the parallelism Node reports, at most 4, at least 1. */
export function defaultSignPoolSize(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(n || 1, 4));
}

export interface SignPoolOptions {
  /** Worker threads; defaultSignPoolSize() when omitted (tests set it). */
  size?: number;
  /**
   * Another eval worker answering the same messages (`{id, ids}` → `{id, sigs}` or
   * `{id, error}`), with its own workerData: keys/pkcs11's, signing in a hardware token.
   * The key DER is then not used.
   */
  worker?: { source: string; data: Record<string, unknown>; name: string };
}

interface Job {
  resolve: (sigs: string[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  exited: boolean;
}

type Reply = { id: number; sigs: string[]; error?: undefined } | { id: number; error: string };

export class SignPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private nextJob = 0;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;

  /**
   * @param privateKeyDer PKCS#8 DER of the P-256 private key. It is copied into the workers'
   *   workerData; the caller may (and should) zero its own buffer once this returns.
   */
  constructor(
    privateKeyDer: Uint8Array,
    readonly productId: number,
    o: SignPoolOptions = {},
  ) {
    const size = o.size ?? defaultSignPoolSize();
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`sign pool size must be a positive integer, not ${size}`);
    if (!Number.isSafeInteger(productId) || productId <= 0) throw new RangeError(`bad product id ${productId}`);
    this.size = size;
    // A fresh buffer of exactly the key's length: cloning a view clones its whole ArrayBuffer,
    // and a Buffer from Node's pool would carry unrelated bytes into every worker.
    const key = new Uint8Array(privateKeyDer);
    const worker = o.worker ?? { source: SIGN_WORKER_SOURCE, data: { key, productId }, name: 'wxprov-sign' };
    try {
      for (let i = 0; i < size; i++) this.slots.push(this.spawn(worker));
    } catch (e) {
      for (const s of this.slots) void s.worker.terminate();
      throw e;
    } finally {
      // workerData is serialised by the Worker constructor, so this copy is no longer needed.
      key.fill(0);
    }
  }

  private spawn(w: { source: string; data: Record<string, unknown>; name: string }): Slot {
    const worker = new Worker(w.source, {
      eval: true,
      workerData: w.data,
      // No loader hooks (tsx, vitest) and none of the station's secrets in the worker's env.
      execArgv: [],
      env: {},
      name: w.name,
    });
    const slot: Slot = { worker, jobs: new Map(), exited: false };
    // An idle pool never keeps the process alive; a busy one does (see post()).
    worker.unref();
    worker.on('message', (m: Reply) => {
      const job = slot.jobs.get(m.id);
      if (!job) return;
      slot.jobs.delete(m.id);
      if (slot.jobs.size === 0) worker.unref();
      if (m.error !== undefined) job.reject(new Error(`signing failed: ${m.error}`));
      else job.resolve(m.sigs);
    });
    worker.on('error', (e: Error) => this.fail(slot, new Error(`a signing worker failed: ${e.message}`)));
    worker.on('exit', (code) => {
      slot.exited = true;
      if (!this.closing) this.fail(slot, new Error(`a signing worker exited (code ${code})`));
    });
    return slot;
  }

  private fail(slot: Slot, e: Error): void {
    this.failure ??= e;
    this.rejectAll(slot, this.failure);
  }

  private rejectAll(slot: Slot, e: Error): void {
    const jobs = [...slot.jobs.values()];
    slot.jobs.clear();
    slot.worker.unref();
    for (const j of jobs) j.reject(e);
  }

  /** Signatures for `ids`, in the same order; the chunk goes to the least busy worker. */
  signChunk(ids: readonly string[]): Promise<string[]> {
    if (this.closing) return Promise.reject(new Error('the signing pool is closed'));
    if (this.failure) return Promise.reject(this.failure);
    if (ids.length === 0) return Promise.resolve([]);
    let slot: Slot | undefined;
    for (const s of this.slots) if (!s.exited && (!slot || s.jobs.size < slot.jobs.size)) slot = s;
    if (!slot) return Promise.reject(new Error('no signing worker is running'));
    const id = ++this.nextJob;
    const target = slot;
    return new Promise<string[]>((resolve, reject) => {
      if (target.jobs.size === 0) target.worker.ref();
      target.jobs.set(id, { resolve, reject });
      target.worker.postMessage({ id, ids });
    });
  }

  /** Chunks sent and not yet answered. */
  get pending(): number {
    return this.slots.reduce((n, s) => n + s.jobs.size, 0);
  }

  /** Workers that have not exited (0 once close() has resolved). */
  get liveWorkers(): number {
    return this.slots.filter((s) => !s.exited).length;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Terminates every worker; chunks still in flight reject. Idempotent: every call returns
   * the same promise, which resolves once all workers have exited.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new Error('the signing pool is closed');
      for (const s of this.slots) this.rejectAll(s, closed);
      await Promise.all(
        this.slots.map(async (s) => {
          if (!s.exited) await s.worker.terminate();
          s.exited = true;
        }),
      );
    })();
    return this.closing;
  }
}
