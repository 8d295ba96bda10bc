import type { Migration } from '../migration.js';
import { m0001 } from './0001-products.js';

/** Every schema version, oldest first. Add a file and a test per version; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [m0001];
