import type { Handlers } from '../../../../preload/contract.js';
import type { AppCore } from '../app-core.js';

type Names = 'keystore.status' | 'keystore.setup' | 'keystore.unlock';

/**
 * The key store in the UI: its state, the passphrase set on first use, the unlock where no
 * OS keychain opens it. The passphrase is used here and dropped: never stored, never answered.
 */
export function keystoreHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'keystore.status': () => core.keystoreStatus(),
    'keystore.setup': ({ passphrase }) => {
      core.vault().create(passphrase);
      return core.state();
    },
    'keystore.unlock': ({ passphrase }) => {
      core.vault().unlock(passphrase);
      return core.state();
    },
  };
}
