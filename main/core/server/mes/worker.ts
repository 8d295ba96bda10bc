import { OutboxWorker } from '../../mes/outbox-worker.js';
import { serverMesStatus } from './events.js';
import { deliverServerMes, type ServerDeliverResult, type ServerMesDeps } from './sender.js';

/** The server's background MES sender (the station's loop, mes/outbox-worker.ts, over the server's outbox). */
export class ServerMesWorker extends OutboxWorker {
  constructor(
    private readonly d: ServerMesDeps,
    pollMs = 2_000,
  ) {
    super({
      nextDue: async () => {
        const next = (await serverMesStatus(d.db)).next_attempt_at;
        return next ? Date.parse(next) : 0;
      },
      deliver: (signal) => deliverServerMes(d, { signal }),
      now: () => d.now().getTime(),
      log: d.log,
      pollMs,
    });
  }

  /** `wxprov server mes sync`: after the delivery running now, one more. */
  sync(): Promise<ServerDeliverResult> {
    return this.runNow((signal) => deliverServerMes(this.d, { signal }));
  }
}
