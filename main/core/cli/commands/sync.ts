import { formatErrorLine } from '../../errors/wx-error.js';
import { Outbox } from '../../registry/outbox.js';
import { syncOnce, type SyncResult } from '../../registry/sync.js';
import { optInt } from '../args.js';
import { JSON_OPT, type CliIo, type Command, type Values } from '../command.js';
import { printJson } from '../output.js';
import { progressBar } from '../progress.js';

/** One drain of the outbox with a progress bar on stderr; shared by `sync` and `devices add --now`. */
export async function runSync(io: CliIo, v: Values): Promise<SyncResult> {
  const bar = progressBar(io.stderr, 'sync');
  const r = await syncOnce(io.context(), { batchSize: optInt(v, 'batch', 1, 1000), onProgress: (p) => bar.update(p.done, p.total) });
  bar.end();
  if (r.error) io.stderr.write(formatErrorLine(r.error) + '\n');
  return r;
}

export const syncCommand: Command = {
  path: ['sync'],
  usage: 'wxprov sync [--batch <n>] [--json]',
  summary: 'Send queued registrations with adddevice, in batches (default 100 ids a call)',
  options: { ...JSON_OPT, batch: { type: 'string' } },
  async run(v, _p, io) {
    const r = await runSync(io, v);
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`synced ${r.synced}, failed ${r.failed}, pending ${r.pending}, calls ${r.calls}${r.paused_until ? `, paused until ${r.paused_until}` : ''}\n`);
    return r.error ? 1 : 0;
  },
};

export const queueCommand: Command = {
  path: ['queue'],
  usage: 'wxprov queue [--retry-failed] [--json]',
  summary: 'What waits for registration; --retry-failed puts refused ids back in the queue',
  options: { ...JSON_OPT, 'retry-failed': { type: 'boolean' } },
  async run(v, _p, io) {
    const outbox = new Outbox(io.context().db);
    const requeued = v['retry-failed'] ? outbox.retryFailed() : undefined;
    const s = outbox.stats();
    const st = outbox.state();
    const doc = {
      ...s,
      ...(requeued !== undefined ? { requeued } : {}),
      paused_until: st.paused_until,
      last_error: st.last_error,
      last_success_at: st.last_success_at,
    };
    if (v.json) return void printJson(io.stdout, doc);
    io.stdout.write(`pending ${s.pending}, failed ${s.failed}, synced ${s.synced}, oldest pending ${s.oldest ?? '-'}\n`);
    if (requeued !== undefined) io.stdout.write(`requeued ${requeued} failed registrations\n`);
    if (st.paused_until) io.stdout.write(`paused until ${st.paused_until}\n`);
    if (st.last_error) io.stdout.write(`last error: ${st.last_error} at ${st.last_error_at}\n`);
  },
};
