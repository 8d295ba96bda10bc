/**
 * What is on one fixture, from the station's polls alone. A placement is one unit put on the
 * fixture: it starts at the first HELLO answered on an empty fixture, and ends only when the
 * slot has been silent for `polls` polls in a row, or when another hwid has answered `polls`
 * polls in a row (a unit swapped without a silent poll between). Until then it is one
 * placement: a lost answer, a bad CRC or a unit whose hwid flickers never makes it a new unit,
 * so a unit is provisioned and reported once per placement.
 */
export type PlacementChange =
  /** A new placement: provision the unit with this hwid. */
  | { kind: 'start'; hwid: string }
  /** The fixture is empty now. */
  | { kind: 'left' }
  | { kind: 'none' };

export const DEFAULT_PLACEMENT_POLLS = 3;

export class PlacementTracker {
  private present?: string;
  private silent = 0;
  private candidate?: { hwid: string; count: number };

  constructor(readonly polls: number = DEFAULT_PLACEMENT_POLLS) {
    if (!Number.isSafeInteger(polls) || polls < 1) throw new Error(`placement polls ${polls} must be a whole number, at least 1`);
  }

  /** The hwid the current placement started with; undefined while the fixture is empty. */
  get hwid(): string | undefined {
    return this.present;
  }

  /** One poll's outcome: the hwid that answered HELLO, or undefined for no (usable) answer. */
  poll(hwid: string | undefined): PlacementChange {
    if (hwid === undefined) {
      this.candidate = undefined;
      if (this.present === undefined) return { kind: 'none' };
      if (++this.silent < this.polls) return { kind: 'none' };
      this.present = undefined;
      this.silent = 0;
      return { kind: 'left' };
    }
    this.silent = 0;
    if (this.present === undefined || this.polls === 1) {
      if (this.present === hwid) return { kind: 'none' };
      this.present = hwid;
      return { kind: 'start', hwid };
    }
    if (hwid === this.present) {
      this.candidate = undefined;
      return { kind: 'none' };
    }
    this.candidate = this.candidate?.hwid === hwid ? { hwid, count: this.candidate.count + 1 } : { hwid, count: 1 };
    if (this.candidate.count < this.polls) return { kind: 'none' };
    this.candidate = undefined;
    this.present = hwid;
    return { kind: 'start', hwid };
  }

  /** The station's stop or a reopened port: whatever is there next is a new placement. */
  reset(): void {
    this.present = undefined;
    this.silent = 0;
    this.candidate = undefined;
  }
}
