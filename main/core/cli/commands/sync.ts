import { formatErrorLine, WxError, type ErrorPayload } from '../../errors/wx-error.js';
import { isJoined } from '../../fleet/membership.js';
import { fleetStatus } from '../../fleet/status.js';
import { Outbox } from '../../registry/outbox.js';
import { beijingTime, stationTime } from '../../registry/quota-time.js';
import { resumeSync, syncOnce, type SyncResult } from '../../registry/sync.js';
import { optInt } from '../args.js';
import { JSON_OPT, type CliIo, type Command, type Values } from '../command.js';
import { printJson } from '../output.js';
import { progressBar } from '../progress.js';

/** A pause end as the people at the station read it, never as bare UTC. */
const pauseText = (iso: string) => `${stationTime(iso)} (北京时间 ${beijingTime(iso)})`;

/** The error line, with the platform's own words when the texts do not already carry them. */
function errorLine(p: ErrorPayload): string {
  const line = formatErrorLine(p);
  const errmsg = typeof p.params?.errmsg === 'string' ? p.params.errmsg : '';
  return errmsg && !line.includes(errmsg) ? `${line} [errmsg: ${errmsg}]`.replace(/[\r\n]+/g, ' ') : line;
}

/** One stderr line per reason a run left something undone: what stopped it, and ids refused on the way. */
export function syncProblems(r: SyncResult): string[] {
  const lines: string[] = [];
  if (r.error) {
    const paused = r.paused_until && r.error.code !== 'SYNC_PAUSED' ? ` | paused until ${pauseText(r.paused_until)}` : '';
    lines.push(errorLine(r.error) + paused);
  }
  if (r.refused) lines.push(errorLine(r.refused));
  return lines;
}

/**
 * On a station in a fleet, `sync` has nothing to send: every id was queued for registration
 * on the server when the server issued it. Saying so is an answer, not a refusal (exit 0);
 * what this station does owe the server (its records) is named, with the command that sends it.
 */
function serverRegisters(v: Values, io: CliIo): number {
  const e = new WxError('FLEET_REGISTRATION_ON_SERVER').toPayload();
  const status = fleetStatus(io.context().db);
  if (v.json) printJson(io.stdout, { synced: 0, failed: 0, pending: 0, calls: 0, registration: 'server', server: status.server, uplink_pending: status.uplink_pending, message_zh: e.message_zh, message_en: e.message_en, hint_zh: e.hint_zh, hint_en: e.hint_en });
  else io.stdout.write(`${formatErrorLine(e).replace(/^error [A-Z_]+: /, '')}\n`);
  return 0;
}

/** 1 whenever an id failed or stayed pending because of an error; 0 only when nothing is left undone. */
export const syncExitCode = (r: SyncResult): number => (r.error || r.failed > 0 ? 1 : 0);

/** One drain of the outbox with a progress bar on stderr; shared by `sync` and `devices add --now`. */
export async function runSync(io: CliIo, v: Values): Promise<SyncResult> {
  const bar = progressBar(io.stderr, 'sync');
  const r = await syncOnce(io.context(), { batchSize: optInt(v, 'batch', 1, 1000), onProgress: (p) => bar.update(p.done, p.total) });
  bar.end();
  for (const line of syncProblems(r)) io.stderr.write(line + '\n');
  return r;
}

export const syncCommand: Command = {
  path: ['sync'],
  usage: 'wxprov sync [--batch <n>] [--json]',
  summary: 'Send queued registrations with adddevice, in batches (default 100 ids a call)',
  options: { ...JSON_OPT, batch: { type: 'string' } },
  async run(v, _p, io) {
    if (isJoined(io.context().db)) return serverRegisters(v, io);
    const r = await runSync(io, v);
    if (v.json) printJson(io.stdout, r);
    else io.stdout.write(`synced ${r.synced}, failed ${r.failed}, pending ${r.pending}, calls ${r.calls}${r.paused_until ? `, paused until ${pauseText(r.paused_until)}` : ''}\n`);
    return syncExitCode(r);
  },
};

export const queueCommand: Command = {
  path: ['queue'],
  usage: 'wxprov queue [--retry-failed] [--resume] [--json]',
  summary: 'What waits for registration; --retry-failed puts refused ids back in the queue; --resume lifts a quota pause (audited)',
  options: { ...JSON_OPT, 'retry-failed': { type: 'boolean' }, resume: { type: 'boolean' } },
  async run(v, _p, io) {
    const ctx = io.context();
    const outbox = new Outbox(ctx.db);
    const requeued = v['retry-failed'] ? outbox.retryFailed() : undefined;
    const resume = v.resume ? resumeSync(ctx) : undefined;
    const s = outbox.stats();
    const st = outbox.state();
    const doc = {
      ...s,
      ...(requeued !== undefined ? { requeued } : {}),
      paused_until: st.paused_until,
      last_error: st.last_error,
      last_success_at: st.last_success_at,
      ...(st.paused_until ? { paused_until_local: stationTime(st.paused_until), paused_until_beijing: beijingTime(st.paused_until) } : {}),
      ...(resume ? resume : {}),
    };
    if (v.json) return void printJson(io.stdout, doc);
    io.stdout.write(`pending ${s.pending}, failed ${s.failed}, synced ${s.synced}, oldest pending ${s.oldest ?? '-'}\n`);
    if (requeued !== undefined) io.stdout.write(`requeued ${requeued} failed registrations\n`);
    if (resume) io.stdout.write(resume.was_paused_until ? `sync resumed: lifted the pause until ${pauseText(resume.was_paused_until)}\n` : 'sync was not paused\n');
    if (st.paused_until) io.stdout.write(`paused until ${pauseText(st.paused_until)}\n`);
    if (st.last_error) io.stdout.write(`last error: ${st.last_error} at ${st.last_error_at}\n`);
  },
};
