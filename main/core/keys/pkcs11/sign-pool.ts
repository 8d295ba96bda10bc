import { WxError } from '../../errors/wx-error.js';
import { tokenName, TokenSession, type TokenKeyRef } from './token.js';

/**
 * Batch signing in a token: a pool of sessions, each signing on the addon's thread pool
 * (C_Sign's asynchronous form), so several ids are in the token at once and the event loop
 * stays free. A chunk is one session's, in order; batchSign keeps 2 × size chunks in flight.
 * A token pulled out fails the chunk in flight with PKCS11_TOKEN_REMOVED and every later one
 * with the same, so the batch stops whole at a chunk boundary.
 */
export class TokenSignPool {
  private readonly free: { s: TokenSession; key: Buffer }[] = [];
  private readonly waiting: ((x: { s: TokenSession; key: Buffer }) => void)[] = [];
  private readonly all: TokenSession[] = [];
  private failed?: WxError;
  private closedFlag = false;

  constructor(
    private readonly ref: TokenKeyRef,
    pin: string | undefined,
    private readonly message: (deviceId: string) => Buffer,
    readonly size: number,
  ) {
    try {
      for (let i = 0; i < size; i++) {
        const s = TokenSession.open(ref, pin);
        this.all.push(s);
        this.free.push({ s, key: s.findKey({ key_id: ref.key_id }).handle });
      }
    } catch (e) {
      this.closeSessions();
      throw e;
    }
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  async signChunk(ids: string[]): Promise<string[]> {
    if (this.closedFlag) throw new WxError('PKCS11_FAILED', { detail: 'the signing pool is closed' });
    if (this.failed) throw this.failed;
    const lease = this.free.pop() ?? (await new Promise<{ s: TokenSession; key: Buffer }>((r) => this.waiting.push(r)));
    try {
      const out: string[] = [];
      for (const id of ids) {
        if (this.failed) throw this.failed;
        out.push(await lease.s.signAsync(lease.key, this.message(id)));
      }
      return out;
    } catch (e) {
      this.failed ??= e instanceof WxError ? e : new WxError('PKCS11_FAILED', { detail: `${(e as Error).message} (${tokenName(this.ref)})` });
      throw this.failed;
    } finally {
      const next = this.waiting.shift();
      if (next) next(lease);
      else this.free.push(lease);
    }
  }

  async close(): Promise<void> {
    this.closedFlag = true;
    this.closeSessions();
  }

  private closeSessions(): void {
    for (const s of this.all.splice(0)) s.close();
  }
}
