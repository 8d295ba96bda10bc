import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { keyCreateCommand, keyExportCommand, keyImportCommand, keyListCommand } from './key.js';
import { bindCommand, productAddCommand, productCreateCommand, productListCommand } from './product.js';
import { pushCommand } from './push.js';
import { signCommand, verifyCommand } from './sign.js';
import { simWechatCommand } from './sim.js';
import { tokenCommand } from './token.js';

export const COMMANDS: readonly Command[] = [
  tokenCommand,
  productCreateCommand,
  productAddCommand,
  productListCommand,
  keyCreateCommand,
  keyImportCommand,
  keyExportCommand,
  keyListCommand,
  signCommand,
  verifyCommand,
  bindCommand,
  pushCommand,
  simWechatCommand,
  demoCommand,
];
