import type { Migration } from '../migration.js';
import { m0001 } from './0001-products.js';
import { m0002 } from './0002-settings.js';
import { m0003 } from './0003-devices.js';
import { m0004 } from './0004-outbox.js';
import { m0005 } from './0005-audit.js';
import { m0006 } from './0006-unit-tests.js';
import { m0007 } from './0007-devices-id-date-index.js';
import { m0008 } from './0008-outbox-cancelled.js';
import { m0009 } from './0009-unit-results.js';
import { m0010 } from './0010-key-store.js';
import { m0011 } from './0011-fleet.js';
import { m0012 } from './0012-token-keys.js';
import { m0013 } from './0013-mes-events.js';
import { m0014 } from './0014-results-uplink.js';
import { m0015 } from './0015-result-sn.js';

/** Every schema version, oldest first. Add a file and a test per version; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013, m0014, m0015];
