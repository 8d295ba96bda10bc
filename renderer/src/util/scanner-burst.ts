/**
 * Telling a barcode scanner from a person at the keyboard. A scanner is a keyboard that types a
 * whole barcode a few ms per key and ends it with Enter; people leave 80 ms or more between
 * keys, and at most two keys close together when they roll over them.
 */

/** Keys closer together than this are a machine typing. */
export const BURST_GAP_MS = 30;
/** This many such keys in a row (Enter included) are a scan. */
export const BURST_MIN_KEYS = 4;

/** 'burst': this key and what the field got from the same run are a scan; 'enter': a person's Enter; 'type': a person's key. */
export type KeyVerdict = 'type' | 'enter' | 'burst';

/** Feed it every keydown of one field, with the event's timeStamp, in order. */
export class ScannerBurst {
  private last = Number.NEGATIVE_INFINITY;
  private run = 0;
  private scanning = false;

  key(key: string, at: number): KeyVerdict {
    const fast = at - this.last < BURST_GAP_MS;
    this.last = at;
    if (fast) this.run++;
    else {
      this.run = 1;
      this.scanning = false;
    }
    // The scan is known only at its 4th key: the keys before it are already in the field, so
    // the caller clears the field, not just this key.
    if (this.run >= BURST_MIN_KEYS) this.scanning = true;
    if (this.scanning) return 'burst';
    return key === 'Enter' ? 'enter' : 'type';
  }
}
