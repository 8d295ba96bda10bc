import type { ServerMigration } from '../migration.js';
import { s0001 } from './0001-fleet.js';
import { s0002 } from './0002-blocks.js';
import { s0003 } from './0003-uplink.js';
import { s0004 } from './0004-snapshot-versions.js';
import { s0005 } from './0005-dashboard.js';
import { s0006 } from './0006-token-keys.js';
import { s0007 } from './0007-unit-results.js';
import { s0008 } from './0008-mes.js';
import { s0009 } from './0009-result-sn.js';
import { s0010 } from './0010-uplink-marks.js';
import { s0011 } from './0011-void-versions.js';
import { s0012 } from './0012-block-rows.js';

/** Every server schema version, oldest first. Add a file and a test (on both stores) per version; never edit a shipped one. */
export const SERVER_MIGRATIONS: readonly ServerMigration[] = [s0001, s0002, s0003, s0004, s0005, s0006, s0007, s0008, s0009, s0010, s0011, s0012];
