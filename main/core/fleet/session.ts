import type { CoreContext } from '../context.js';
import { WxError, isWxError } from '../errors/wx-error.js';
import { redactor } from '../log/redact.js';
import { FleetClient } from './client.js';
import { MembershipStore, type Membership } from './membership.js';
import { UplinkStore } from './uplink.js';

/** Errors that come from the key store being locked: the caller must unlock, the credential is fine. */
const LOCK_CODES: ReadonlySet<string> = new Set(['KEY_PASSPHRASE_REQUIRED', 'KEYSTORE_LOCKED', 'KEYSTORE_NOT_SET_UP']);

export interface SessionOptions {
  timeoutMs?: number;
  /** The client to use instead of the pinned HTTPS one (tests). */
  client?: (o: ConstructorParameters<typeof FleetClient>[0]) => FleetClient;
}

/**
 * A joined station talking to its server: the pinned client and the credential, unsealed from
 * the key store the first time a call needs it and held in memory only (and registered with
 * the log redactor). Every call's outcome is written to the membership: the last contact, the
 * last error, a revocation.
 *
 * The key store locked: the credential cannot be opened, so a call fails with the store's own
 * code (KEY_PASSPHRASE_REQUIRED on the CLI, KEYSTORE_LOCKED in the app) and nothing is sent.
 * Work from blocks needs no call; what needs one (online signing, uplink, refill) waits.
 */
export class FleetSession {
  readonly membership: Membership;
  private readonly store: MembershipStore;
  private client?: FleetClient;
  private credential?: string;
  private uplink?: UplinkStore;

  constructor(
    private readonly ctx: CoreContext,
    private readonly o: SessionOptions = {},
  ) {
    this.store = new MembershipStore(ctx.db);
    const m = this.store.get();
    if (!m) throw new WxError('FLEET_NOT_JOINED');
    this.membership = m;
  }

  get server(): string {
    return this.membership.server_url;
  }

  /** Runs one exchange with the server and records its outcome; the error goes on to the caller. */
  async run<T>(f: (client: FleetClient) => Promise<T>): Promise<T> {
    try {
      const r = await f(this.open());
      this.store.contact(this.ctx.now().toISOString());
      return r;
    } catch (e) {
      const code = isWxError(e) ? e.code : 'INTERNAL';
      const at = this.ctx.now().toISOString();
      // The server answered: an MES behind it that did not is not the server's fault.
      if (code.startsWith('MES_')) this.store.contact(at);
      else if (code === 'FLEET_STATION_REVOKED') {
        this.store.revoked(at);
        this.ctx.log.warn('fleet.revoked', { server: this.server });
      } else this.store.failed(code, at);
      throw e;
    }
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  private open(): FleetClient {
    const make = this.o.client ?? ((opts) => new FleetClient(opts));
    return (this.client ??= make({
      url: this.membership.server_url,
      certPem: this.membership.server_cert_pem,
      fingerprint: this.membership.fingerprint,
      timeoutMs: this.o.timeoutMs,
      credential: () => (this.credential ??= this.unseal()),
      uplinkPending: () => (this.uplink ??= new UplinkStore(this.ctx.db)).pending(),
    }));
  }

  private unseal(): string {
    const sealed = this.store.sealedCredential();
    if (!sealed) throw new WxError('FLEET_NOT_JOINED');
    let plain: Buffer | undefined;
    try {
      plain = this.ctx.sealer().unseal(sealed);
      const credential = plain.toString('utf8');
      redactor.add(credential);
      return credential;
    } catch (e) {
      if (isWxError(e) && LOCK_CODES.has(e.code)) throw e;
      throw new WxError('FLEET_CREDENTIAL_UNSEAL_FAILED', {}, { cause: e });
    } finally {
      plain?.fill(0);
    }
  }
}
