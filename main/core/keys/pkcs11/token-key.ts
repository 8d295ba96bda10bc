import { isWxError } from '../../errors/wx-error.js';
import { TokenSession, type TokenKeyRef } from './token.js';

/**
 * A key in a token kept ready for single signatures (a station signs one id per unit, the
 * server a block at a time): its session opened on first use and kept, its handle found once.
 * A token pulled out drops both, so the next signature opens them again once it is back.
 * The station's KeyService and the server's ProductSigners both sign through it.
 */
export class TokenKey {
  private held?: { s: TokenSession; handle: Buffer };

  constructor(
    readonly ref: TokenKeyRef,
    /** Asked only when a session is opened. */
    private readonly pin: () => string | undefined,
  ) {}

  /** Opens the session and finds the key now: the token, the PIN and the key are checked before any unit is touched. */
  open(): this {
    this.session();
    return this;
  }

  sign(message: Buffer): string {
    const h = this.session();
    try {
      return h.s.sign(h.handle, message);
    } catch (e) {
      if (isWxError(e) && e.code === 'PKCS11_TOKEN_REMOVED') this.close();
      throw e;
    }
  }

  close(): void {
    this.held?.s.close();
    this.held = undefined;
  }

  private session(): { s: TokenSession; handle: Buffer } {
    if (this.held) return this.held;
    const s = TokenSession.open(this.ref, this.pin());
    try {
      this.held = { s, handle: s.findKey({ key_id: this.ref.key_id }).handle };
    } catch (e) {
      s.close();
      throw e;
    }
    return this.held;
  }
}
