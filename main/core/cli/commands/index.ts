import type { Command, CommandEntry } from '../command.js';
import { serverOwned } from '../server-owned.js';

/** A command by its words, its module loaded only when it is needed (see CommandEntry). */
const lazy = <M>(path: string[], load: () => Promise<M>, name: keyof M): CommandEntry => ({
  path,
  load: async () => (await load())[name] as Command,
});

const token = () => import('./token.js');
const product = () => import('./product.js');
const key = () => import('./key.js');
const keySlots = () => import('./key-slots.js');
const sign = () => import('./sign.js');
const push = () => import('./push.js');
const config = () => import('./config.js');
const devices = () => import('./devices.js');
const devicesVoid = () => import('./devices-void.js');
const records = () => import('./records.js');
const stats = () => import('./stats.js');
const serial = () => import('./serial.js');
const sync = () => import('./sync.js');
const sim = () => import('./sim.js');
const simDevice = () => import('./sim-device.js');
const simAdb = () => import('./sim-adb.js');
const demo = () => import('./demo.js');
const ui = () => import('./ui.js');
const server = () => import('./server.js');
const serverAdmin = () => import('./server-admin.js');
const serverFleet = () => import('./server-fleet.js');
const fleet = () => import('./fleet.js');
const mes = () => import('./mes.js');
const serverMes = () => import('./server-mes.js');

/** Work the factory server owns once a station joined one: refused there with the reason (cli/server-owned.ts). */
const products = serverOwned('FLEET_PRODUCTS_ON_SERVER');
const keys = serverOwned('FLEET_KEYS_ON_SERVER');
const registers = serverOwned('FLEET_REGISTRATION_ON_SERVER');

/** Every command, in the order `wxprov help` lists them. test/integration/cli-usage.test.ts checks each loads with these words. */
export const COMMANDS: readonly CommandEntry[] = [
  lazy(['token'], token, 'tokenCommand'),
  products(lazy(['product', 'create'], product, 'productCreateCommand')),
  products(lazy(['product', 'add'], product, 'productAddCommand')),
  lazy(['product', 'list'], product, 'productListCommand'),
  products(lazy(['product', 'set'], product, 'productSetCommand')),
  keys(lazy(['key', 'create'], key, 'keyCreateCommand')),
  keys(lazy(['key', 'import'], key, 'keyImportCommand')),
  lazy(['key', 'export'], key, 'keyExportCommand'),
  lazy(['key', 'list'], key, 'keyListCommand'),
  lazy(['key', 'slots'], keySlots, 'keySlotsCommand'),
  lazy(['key', 'slots', 'add'], keySlots, 'keySlotsAddCommand'),
  lazy(['key', 'slots', 'remove'], keySlots, 'keySlotsRemoveCommand'),
  keys(lazy(['sign'], sign, 'signCommand')),
  lazy(['verify'], sign, 'verifyCommand'),
  products(lazy(['bind'], product, 'bindCommand')),
  lazy(['push'], push, 'pushCommand'),
  lazy(['config'], config, 'configCommand'),
  registers(lazy(['devices', 'add'], devices, 'devicesAddCommand')),
  registers(lazy(['devices', 'allocate'], devices, 'devicesAllocateCommand')),
  lazy(['devices', 'search'], devices, 'devicesSearchCommand'),
  lazy(['devices', 'void'], devicesVoid, 'devicesVoidCommand'),
  // On a joined station `sync` answers that the server registers (cli/commands/sync.ts), exit 0.
  lazy(['sync'], sync, 'syncCommand'),
  lazy(['queue'], sync, 'queueCommand'),
  lazy(['records'], records, 'recordsCommand'),
  lazy(['stats'], stats, 'statsCommand'),
  lazy(['flash'], serial, 'flashCommand'),
  lazy(['station'], serial, 'stationCommand'),
  lazy(['ports'], serial, 'portsCommand'),
  lazy(['sim', 'wechat'], sim, 'simWechatCommand'),
  lazy(['sim', 'mes'], sim, 'simMesCommand'),
  lazy(['sim', 'device'], simDevice, 'simDeviceCommand'),
  lazy(['sim', 'adb'], simAdb, 'simAdbCommand'),
  lazy(['demo'], demo, 'demoCommand'),
  lazy(['ui'], ui, 'uiCommand'),
  lazy(['server'], server, 'serverCommand'),
  lazy(['server', 'enroll'], serverAdmin, 'serverEnrollCommand'),
  lazy(['server', 'revoke'], serverAdmin, 'serverRevokeCommand'),
  lazy(['server', 'stations'], serverAdmin, 'serverStationsCommand'),
  lazy(['server', 'product', 'create'], serverAdmin, 'serverProductCreateCommand'),
  lazy(['server', 'product', 'add'], serverAdmin, 'serverProductAddCommand'),
  lazy(['server', 'product', 'set'], serverAdmin, 'serverProductSetCommand'),
  lazy(['server', 'product', 'list'], serverAdmin, 'serverProductListCommand'),
  lazy(['server', 'key', 'create'], serverAdmin, 'serverKeyCreateCommand'),
  lazy(['server', 'key', 'list'], serverAdmin, 'serverKeyListCommand'),
  lazy(['server', 'bind'], serverAdmin, 'serverBindCommand'),
  lazy(['server', 'records'], serverFleet, 'serverRecordsCommand'),
  lazy(['server', 'conflicts'], serverFleet, 'serverConflictsCommand'),
  lazy(['server', 'sync'], serverFleet, 'serverSyncCommand'),
  lazy(['server', 'mes', 'set'], serverMes, 'serverMesSetCommand'),
  lazy(['server', 'mes', 'status'], serverMes, 'serverMesStatusCommand'),
  lazy(['server', 'mes', 'sync'], serverMes, 'serverMesSyncCommand'),
  lazy(['fleet', 'join'], fleet, 'fleetJoinCommand'),
  lazy(['fleet', 'status'], fleet, 'fleetStatusCommand'),
  lazy(['fleet', 'sync'], fleet, 'fleetSyncCommand'),
  lazy(['mes', 'status'], mes, 'mesStatusCommand'),
  lazy(['mes', 'sync'], mes, 'mesSyncCommand'),
];
