import { describe, expect, it } from 'vitest';
import { useMachine } from '../../main/core/config/machine.js';
import { isWxError, type WxError } from '../../main/core/errors/wx-error.js';
import { MIGRATIONS } from '../../main/core/db/migrations/index.js';
import { Allocator } from '../../main/core/registry/allocator.js';
import { assertStationUsable, Settings } from '../../main/core/registry/settings.js';
import { addProduct, dbAt } from '../helpers/db.js';

// The station code is bound to the computer it was set on (issue 12): a copied data dir
// mints nothing from a template until the code is confirmed on the new computer.

const caught = (f: () => unknown): WxError => {
  try {
    f();
  } catch (e) {
    if (isWxError(e)) return e;
    throw e;
  }
  throw new Error('expected a WxError');
};

const AT = new Date('2026-03-01T08:00:00Z');

function station() {
  const db = dbAt(MIGRATIONS.at(-1)!.version);
  addProduct(db, 7);
  useMachine(db, 'computer-a');
  const settings = new Settings(db);
  return { db, settings, alloc: new Allocator(db) };
}

describe('the station code and the computer', () => {
  it('is confirmed where it was set, moved elsewhere, unset without a code', () => {
    const { db, settings } = station();
    expect(settings.stationBinding()).toBe('unset');
    expect(caught(() => assertStationUsable(db)).code).toBe('STATION_CODE_MISSING');
    settings.set('station_code', 'A1', AT.toISOString(), 'op');
    expect(settings.stationBinding()).toBe('confirmed');
    expect(assertStationUsable(db)).toBe('A1');
    expect(settings.stationBinding('computer-b')).toBe('moved');
    const e = caught(() => assertStationUsable(db, 'computer-b'));
    expect(e).toMatchObject({ code: 'STATION_MACHINE_CHANGED', params: { station_code: 'A1' } });
    expect(e.message).toBeTruthy();
    // The binding is not a setting anyone lists or sets by hand.
    expect(Object.keys(settings.all())).toEqual(['station_code', 'sync_batch_size', 'mes_check_url', 'mes_report_url', 'mes_offline']);
    expect(caught(() => settings.set('station_machine', 'x', AT.toISOString(), 'op')).code).toBe('SETTING_INVALID');
  });

  it('Allocator.allocate mints nothing on another computer, and takes nothing from the sequence', () => {
    const { db, settings, alloc } = station();
    settings.set('station_code', 'A1', AT.toISOString(), 'op');
    const req = { product_id: 7, station: 'A1', operator: 'op', at: AT };
    expect(alloc.allocate(req).device_id).toBe('A1260301000001');

    useMachine(db, 'computer-b');
    expect(caught(() => alloc.allocate(req)).code).toBe('STATION_MACHINE_CHANGED');
    expect(caught(() => alloc.allocate({ ...req, hwid: 'H1', queue: true })).code).toBe('STATION_MACHINE_CHANGED');
    expect(db.prepare('SELECT next_seq FROM id_sequences').get()).toEqual({ next_seq: 2 });
    // An id given by hand comes from no sequence.
    expect(alloc.allocate({ ...req, device_id: 'HAND1' }).device_id).toBe('HAND1');

    // Confirming (the same code here) binds it to this computer.
    new Settings(db).set('station_code', 'A1', AT.toISOString(), 'op');
    expect(alloc.allocate(req).device_id).toBe('A1260301000002');
    useMachine(db, 'computer-a');
    expect(caught(() => alloc.allocate(req)).code).toBe('STATION_MACHINE_CHANGED');
  });

  it('adopts a data dir with a code and no computer recorded, once', () => {
    const { db, settings } = station();
    expect(settings.adoptMachine('computer-a', AT.toISOString(), 'op')).toBe(false);
    db.prepare("INSERT INTO settings (key, value, updated_at, updated_by) VALUES ('station_code', 'A1', 't', 'u')").run();
    expect(settings.stationBinding('computer-z')).toBe('confirmed');
    expect(settings.adoptMachine('computer-b', AT.toISOString(), 'op')).toBe(true);
    expect(settings.adoptMachine('computer-c', AT.toISOString(), 'op')).toBe(false);
    expect(settings.stationBinding('computer-b')).toBe('confirmed');
    expect(settings.stationBinding('computer-c')).toBe('moved');
  });
});
