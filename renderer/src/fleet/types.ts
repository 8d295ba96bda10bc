/**
 * What the factory server's dashboard answers: declared once in preload/dashboard-types.ts,
 * which the server's routes build and this view reads (test/unit/boundaries.test.ts lets the
 * renderer import its types, as it does the IPC contract's).
 */
export type {
  ConflictView as ConflictRow,
  FleetFilter,
  FleetYieldAnswer,
  FleetPage,
  FleetRecord,
  ParetoRow,
  ProductName,
  QueueAnswer,
  StationSummary,
  StationsAnswer,
  YieldCounts,
  YieldPeriod,
} from '../../../preload/dashboard-types';
