import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createContext, type CoreContext } from '../../main/core/context.js';
import { WxError } from '../../main/core/errors/wx-error.js';
import { deviceIdProblem } from '../../main/core/ids/validate.js';
import { ProductService } from '../../main/core/products/product-service.js';
import { Registry } from '../../main/core/registry/registry.js';
import { DEFAULT_TEMPLATE, parseTemplate, renderTemplate, type Template } from '../../main/core/registry/template.js';
import { tmpDir } from '../helpers/tmp.js';

/*
 * Allocation against a real SQLite file opened as production opens it (WAL, synchronous=FULL,
 * foreign keys, migrations): random interleavings of template allocation and ids added by
 * hand, checked against a model that knows which ids are taken and where each station's
 * sequence stands.
 */
const PID = 4242;
const DATES = [new Date(2026, 0, 15, 10, 0, 0), new Date(2026, 0, 16, 9, 30, 0)];

function openStation(home: string, stationCode?: string): { ctx: CoreContext; reg: Registry } {
  const ctx = createContext({ env: { WXPROV_HOME: home }, actor: 'prop', now: () => DATES[0] });
  new ProductService(ctx).ensureRecorded(PID, { model_name: 'M1' });
  const reg = new Registry(ctx);
  if (stationCode) reg.settings.set('station_code', stationCode, DATES[0].toISOString(), 'prop');
  return { ctx, reg };
}

const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-';
const STATION_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const idText = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: min, maxLength: max });
const stationCode = fc.string({ unit: fc.constantFrom(...STATION_CHARS), minLength: 1, maxLength: 8 });
const dateToken = fc.array(fc.constantFrom('YYYY', 'YY', 'MM', 'DD'), { minLength: 1, maxLength: 3 }).map((a) => `{date:${a.join('')}}`);

/** Templates a station would mint from: some text, maybe a date, the station, one {seq:N}. */
function seqTemplate(opts: { minDigits: number }): fc.Arbitrary<string> {
  const piece = fc.oneof(idText(1, 4), dateToken);
  return fc.oneof(
    { arbitrary: fc.constant(DEFAULT_TEMPLATE), weight: 1 },
    {
      arbitrary: fc
        .record({
          before: fc.array(piece, { maxLength: 3 }),
          digits: fc.integer({ min: opts.minDigits, max: 12 }),
          after: fc.array(piece, { maxLength: 2 }),
          stationAt: fc.nat(),
        })
        .map(({ before, digits, after, stationAt }) => {
          const parts = [...before, `{seq:${digits}}`, ...after];
          // {seq} counts per station, so a template with one always holds {station}.
          parts.splice(stationAt % (parts.length + 1), 0, '{station}');
          return parts.join('');
        }),
      weight: 4,
    },
  );
}

type HandItem =
  /** An id the given station's sequence will reach `ahead` steps from now. */
  | { kind: 'future'; station: number; day: number; ahead: number }
  /** An id already in the ledger (or, in an empty ledger, a fresh one). */
  | { kind: 'repeat'; pick: number }
  /** Any id. */
  | { kind: 'random'; id: string };

type Op =
  | { kind: 'alloc'; station: number; day: number }
  /** One id by hand (the engineer's path: Allocator with device_id). */
  | HandItem
  /** `devices add` of a list of hand ids (Registry.add). */
  | { kind: 'bulk'; items: HandItem[] };

const st = fc.integer({ min: 0, max: 1 });
const day = fc.integer({ min: 0, max: DATES.length - 1 });
const future = fc.record({ kind: fc.constant('future' as const), station: st, day, ahead: fc.integer({ min: 0, max: 4 }) });
const repeat = fc.record({ kind: fc.constant('repeat' as const), pick: fc.nat() });
const random = fc.record({ kind: fc.constant('random' as const), id: idText(1, 12) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('alloc' as const), station: st, day }), weight: 6 },
  { arbitrary: future, weight: 3 },
  { arbitrary: repeat, weight: 1 },
  { arbitrary: random, weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('bulk' as const), items: fc.array(fc.oneof(future, repeat, random), { minLength: 1, maxLength: 6 }) }), weight: 1 },
);

function codeOf(e: unknown): string {
  return e instanceof WxError ? e.code : `not a WxError: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
}

describe('allocation against a real ledger file', () => {
  it('every allocation is a new id for the product; the only error is DEVICE_ID_DUPLICATE for a hand-added id already taken', async () => {
    await fc.assert(
      fc.asyncProperty(
        seqTemplate({ minDigits: 3 }),
        fc.uniqueArray(stationCode, { minLength: 2, maxLength: 2 }),
        fc.array(op, { minLength: 1, maxLength: 40 }),
        async (source, stations, ops) => {
          const { ctx, reg } = openStation(tmpDir('wxprov-prop-'));
          try {
            reg.setTemplate(PID, source);
            const tpl: Template = parseTemplate(source);
            const render = (station: number, d: number, seq: number) => renderTemplate(tpl, { station: stations[station], date: DATES[d], seq });
            // The model: the ids taken, in ledger order, and each station's next sequence value.
            const taken = new Set<string>();
            const order: string[] = [];
            const next = [1, 1];
            const queued: string[] = [];
            const take = (id: string) => (taken.add(id), order.push(id));
            const handId = (it: HandItem): string =>
              it.kind === 'future'
                ? render(it.station, it.day, next[it.station] + it.ahead)
                : it.kind === 'repeat'
                  ? (order[it.pick % Math.max(order.length, 1)] ?? 'never-taken-0')
                  : it.id;

            for (const o of ops) {
              if (o.kind === 'alloc') {
                let seq = next[o.station];
                while (taken.has(render(o.station, o.day, seq))) seq++;
                let row;
                try {
                  row = reg.allocator.allocate({ product_id: PID, station: stations[o.station], operator: 'prop', at: DATES[o.day], queue: true });
                } catch (e) {
                  throw new Error(`allocation threw ${codeOf(e)}`);
                }
                expect(taken.has(row.device_id), `${row.device_id} handed out twice`).toBe(false);
                expect(row.device_id).toBe(render(o.station, o.day, seq));
                expect(deviceIdProblem(row.device_id)).toBeUndefined();
                take(row.device_id);
                queued.push(row.device_id);
                next[o.station] = seq + 1;
              } else if (o.kind === 'bulk') {
                const ids = o.items.map(handId);
                const summary = await reg.add(PID, ids.map((device_id, i) => ({ line: i + 1, device_id, extra: {} })));
                const dupLines: number[] = [];
                let fresh = 0;
                const inInput = new Set<string>();
                ids.forEach((id, i) => {
                  if (taken.has(id) || inInput.has(id)) dupLines.push(i + 1);
                  else fresh++;
                  inInput.add(id);
                });
                expect(summary.invalid).toEqual([]);
                expect(summary.queued).toBe(fresh);
                expect(summary.duplicates.map((d) => d.line).sort((a, b) => a - b)).toEqual(dupLines);
                for (const id of ids) if (!taken.has(id)) (take(id), queued.push(id));
              } else {
                const id = handId(o);
                const already = taken.has(id);
                let code = 'ok';
                try {
                  reg.allocator.allocate({ product_id: PID, station: stations[0], operator: 'engineer', at: DATES[0], device_id: id });
                } catch (e) {
                  code = codeOf(e);
                }
                expect(code, `hand-added ${id}`).toBe(already ? 'DEVICE_ID_DUPLICATE' : 'ok');
                if (!already) take(id);
              }
            }
            // The ledger holds exactly the model's ids, once each, and the sequences stand where the model says.
            const rows = ctx.db.prepare('SELECT device_id FROM devices WHERE product_id = ? ORDER BY id').all(PID) as { device_id: string }[];
            expect(rows.map((r) => r.device_id)).toEqual(order);
            const seqs = ctx.db.prepare('SELECT station, next_seq FROM id_sequences WHERE product_id = ?').all(PID) as { station: string; next_seq: number }[];
            for (const s of seqs) expect(s.next_seq).toBe(next[stations.indexOf(s.station)]);
            // Allocations and `devices add` queue each new id once, in order; hand-added ids wait for the station.
            const outbox = ctx.db.prepare("SELECT o.device_id, d.device_id AS row_id FROM outbox o JOIN devices d ON d.id = o.device_row WHERE o.state = 'pending' ORDER BY o.id").all() as { device_id: string; row_id: string }[];
            expect(outbox.map((r) => r.device_id)).toEqual(queued);
            for (const r of outbox) expect(r.row_id).toBe(r.device_id);
            // And the audit saw every one of them go in.
            expect(ctx.db.prepare("SELECT device_id FROM audit WHERE action = 'allocate' ORDER BY id").pluck().all()).toEqual(order);
          } finally {
            ctx.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('two stations minting from the same template into one ledger never collide', () => {
    fc.assert(
      fc.property(
        seqTemplate({ minDigits: 3 }),
        fc.uniqueArray(stationCode, { minLength: 2, maxLength: 2 }),
        fc.array(fc.tuple(st, day), { minLength: 1, maxLength: 60 }),
        (source, stations, turns) => {
          const { ctx, reg } = openStation(tmpDir('wxprov-prop-'));
          try {
            reg.setTemplate(PID, source);
            const seen = new Map<string, number>();
            const count = [0, 0];
            for (const [s, d] of turns) {
              const row = reg.allocator.allocate({ product_id: PID, station: stations[s], operator: 'prop', at: DATES[d] });
              expect(seen.get(row.device_id), `${row.device_id} from station ${stations[s]}`).toBeUndefined();
              seen.set(row.device_id, s);
              count[s]++;
            }
            // With {station} in the template neither station ever had to step over the other's ids.
            const seqs = ctx.db.prepare('SELECT station, next_seq FROM id_sequences').all() as { station: string; next_seq: number }[];
            for (const r of seqs) expect(r.next_seq).toBe(count[stations.indexOf(r.station)] + 1);
          } finally {
            ctx.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('two stations with their own ledgers (offline, different station codes) never mint the same id', () => {
    fc.assert(
      fc.property(
        seqTemplate({ minDigits: 3 }),
        // Codes that share prefixes ("A", "A1", "A12") are the ones that could collide.
        fc.oneof(
          fc.uniqueArray(stationCode, { minLength: 2, maxLength: 2 }),
          fc.tuple(stationCode.filter((s) => s.length < 8), fc.constantFrom(...STATION_CHARS)).map(([a, c]) => [a, a + c]),
        ),
        fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 400 })),
        fc.tuple(day, day),
        (source, stations, counts, days) => {
          const minted: string[][] = [];
          for (const s of [0, 1]) {
            const home = tmpDir('wxprov-prop-');
            const ctx = createContext({ env: { WXPROV_HOME: home }, actor: 'prop', now: () => DATES[days[s]] });
            try {
              new ProductService(ctx).ensureRecorded(PID, { model_name: 'M1' });
              const reg = new Registry(ctx);
              reg.settings.set('station_code', stations[s], DATES[0].toISOString(), 'prop');
              reg.setTemplate(PID, source);
              const ids: string[] = [];
              expect(reg.allocateMany(PID, counts[s], (d) => ids.push(d.device_id))).toBe(counts[s]);
              expect(new Set(ids).size).toBe(counts[s]);
              minted.push(ids);
            } finally {
              ctx.close();
            }
          }
          const first = new Set(minted[0]);
          const shared = minted[1].filter((id) => first.has(id));
          expect(shared, `${source} at ${stations.join(' / ')}`).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a sequence that runs out of digits says SEQUENCE_EXHAUSTED and writes nothing', () => {
    const { ctx, reg } = openStation(tmpDir('wxprov-prop-'), 'A1');
    try {
      reg.setTemplate(PID, 'X{station}{seq:1}');
      // By hand, an id the sequence would reach: it is stepped over.
      reg.allocator.allocate({ product_id: PID, station: 'A1', operator: 'engineer', at: DATES[0], device_id: 'XA15' });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(reg.allocator.allocate({ product_id: PID, station: 'A1', operator: 'op', at: DATES[0] }).device_id);
      expect(ids).toEqual(['XA11', 'XA12', 'XA13', 'XA14', 'XA16', 'XA17', 'XA18', 'XA19']);
      const before = ctx.db.prepare('SELECT COUNT(*) AS n FROM devices').get();
      let code = 'no error';
      try {
        reg.allocator.allocate({ product_id: PID, station: 'A1', operator: 'op', at: DATES[0], queue: true });
      } catch (e) {
        code = codeOf(e);
      }
      expect(code).toBe('SEQUENCE_EXHAUSTED');
      expect(ctx.db.prepare('SELECT COUNT(*) AS n FROM devices').get()).toEqual(before);
      expect(ctx.db.prepare('SELECT next_seq FROM id_sequences').get()).toEqual({ next_seq: 10 });
    } finally {
      ctx.close();
    }
  });
});
