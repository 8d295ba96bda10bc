import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { keyCreateCommand, keyExportCommand, keyImportCommand, keyListCommand } from './key.js';
import { bindCommand, productAddCommand, productCreateCommand, productListCommand, productSetCommand } from './product.js';
import { configCommand } from './config.js';
import { devicesAddCommand, devicesAllocateCommand, devicesSearchCommand } from './devices.js';
import { devicesVoidCommand } from './devices-void.js';
import { recordsCommand } from './records.js';
import { flashCommand, portsCommand, stationCommand } from './serial.js';
import { queueCommand, syncCommand } from './sync.js';
import { pushCommand } from './push.js';
import { signCommand, verifyCommand } from './sign.js';
import { simWechatCommand } from './sim.js';
import { simDeviceCommand } from './sim-device.js';
import { tokenCommand } from './token.js';
import { uiCommand } from './ui.js';

export const COMMANDS: readonly Command[] = [
  tokenCommand,
  productCreateCommand,
  productAddCommand,
  productListCommand,
  productSetCommand,
  keyCreateCommand,
  keyImportCommand,
  keyExportCommand,
  keyListCommand,
  signCommand,
  verifyCommand,
  bindCommand,
  pushCommand,
  configCommand,
  devicesAddCommand,
  devicesAllocateCommand,
  devicesSearchCommand,
  devicesVoidCommand,
  syncCommand,
  queueCommand,
  recordsCommand,
  flashCommand,
  stationCommand,
  portsCommand,
  simWechatCommand,
  simDeviceCommand,
  demoCommand,
  uiCommand,
];
