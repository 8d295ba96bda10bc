import type { Command, CommandEntry } from '../command.js';

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
const serial = () => import('./serial.js');
const sync = () => import('./sync.js');
const sim = () => import('./sim.js');
const simDevice = () => import('./sim-device.js');
const demo = () => import('./demo.js');
const ui = () => import('./ui.js');

/** Every command, in the order `wxprov help` lists them. test/integration/cli-usage.test.ts checks each loads with these words. */
export const COMMANDS: readonly CommandEntry[] = [
  lazy(['token'], token, 'tokenCommand'),
  lazy(['product', 'create'], product, 'productCreateCommand'),
  lazy(['product', 'add'], product, 'productAddCommand'),
  lazy(['product', 'list'], product, 'productListCommand'),
  lazy(['product', 'set'], product, 'productSetCommand'),
  lazy(['key', 'create'], key, 'keyCreateCommand'),
  lazy(['key', 'import'], key, 'keyImportCommand'),
  lazy(['key', 'export'], key, 'keyExportCommand'),
  lazy(['key', 'list'], key, 'keyListCommand'),
  lazy(['key', 'slots'], keySlots, 'keySlotsCommand'),
  lazy(['key', 'slots', 'add'], keySlots, 'keySlotsAddCommand'),
  lazy(['key', 'slots', 'remove'], keySlots, 'keySlotsRemoveCommand'),
  lazy(['sign'], sign, 'signCommand'),
  lazy(['verify'], sign, 'verifyCommand'),
  lazy(['bind'], product, 'bindCommand'),
  lazy(['push'], push, 'pushCommand'),
  lazy(['config'], config, 'configCommand'),
  lazy(['devices', 'add'], devices, 'devicesAddCommand'),
  lazy(['devices', 'allocate'], devices, 'devicesAllocateCommand'),
  lazy(['devices', 'search'], devices, 'devicesSearchCommand'),
  lazy(['devices', 'void'], devicesVoid, 'devicesVoidCommand'),
  lazy(['sync'], sync, 'syncCommand'),
  lazy(['queue'], sync, 'queueCommand'),
  lazy(['records'], records, 'recordsCommand'),
  lazy(['flash'], serial, 'flashCommand'),
  lazy(['station'], serial, 'stationCommand'),
  lazy(['ports'], serial, 'portsCommand'),
  lazy(['sim', 'wechat'], sim, 'simWechatCommand'),
  lazy(['sim', 'device'], simDevice, 'simDeviceCommand'),
  lazy(['demo'], demo, 'demoCommand'),
  lazy(['ui'], ui, 'uiCommand'),
];
