import type { ServerOwned as OnServer } from '../fleet/guard.js';
import type { Command, CommandEntry } from './command.js';

/**
 * A command whose work belongs to the factory server once this station joined one (products,
 * keys, registration): refused there with the reason, before it does anything. Wraps the
 * table's entry, so the command's module still loads only when it runs.
 */
export const serverOwned =
  (code: OnServer) =>
  (e: CommandEntry): CommandEntry => ({
    path: e.path,
    load: async () => {
      const cmd: Command = await e.load();
      return {
        ...cmd,
        async run(v, p, io) {
          const { refuseOnFleet } = await import('../fleet/guard.js');
          refuseOnFleet(io.context().db, code);
          return cmd.run(v, p, io);
        },
      };
    },
  });
