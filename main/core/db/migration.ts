/** One schema version: plain SQL, applied once, in order, inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  up: string;
}
