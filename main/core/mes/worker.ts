import type { CoreContext } from '../context.js';
import { MesOutbox } from './events.js';
import { OutboxWorker } from './outbox-worker.js';
import { deliverMes, type DeliverOptions } from './sender.js';

export interface MesWorkerOptions extends Pick<DeliverOptions, 'fetch'> {
  /** How often it looks for events written by another process (the CLI beside the app). */
  pollMs?: number;
}

/** The background sender of `station` and the app: the line never waits for the MES. */
export class MesWorker extends OutboxWorker {
  constructor(ctx: Pick<CoreContext, 'db' | 'env' | 'now' | 'log' | 'vault'>, o: MesWorkerOptions = {}) {
    super({
      nextDue: () => {
        const next = new MesOutbox(ctx.db).status().next_attempt_at;
        return next ? Date.parse(next) : 0;
      },
      deliver: (signal) => deliverMes(ctx, { fetch: o.fetch, signal }),
      now: () => ctx.now().getTime(),
      log: ctx.log,
      pollMs: o.pollMs ?? 5_000,
    });
  }
}
