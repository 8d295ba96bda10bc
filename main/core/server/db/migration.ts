/** One server schema version: plain PostgreSQL SQL, applied once, in order, each in its own transaction. */
export interface ServerMigration {
  version: number;
  name: string;
  up: string;
}
