import type { Handlers } from '../../../../preload/contract.js';
import type { AppCore } from '../app-core.js';

type Names = 'app.state' | 'app.chooseMode' | 'app.setLocale' | 'app.setPrefs';

/** The app itself: state, first-run mode choice, language, preferences. */
export function appHandlers(core: AppCore): Pick<Handlers, Names> {
  return {
    'app.state': () => core.state(),
    'app.chooseMode': async ({ mode }) => {
      // 'partly' in the contract, so the guard lets it in: the first choice is free; switching later is setup.
      if (core.mode !== null) core.lock.assertUnlocked();
      await core.chooseMode(mode);
      return core.state();
    },
    'app.setLocale': ({ locale }) => {
      core.setLocale(locale);
      return core.state();
    },
    'app.setPrefs': (p) => {
      // 'partly' in the contract: the end-of-line test and the idle time are setup; the sound is the operator's own.
      if (p.push_test !== undefined && p.push_test !== core.pushTest()) core.lock.assertUnlocked();
      if (p.lock_idle_min !== undefined && p.lock_idle_min !== core.lockIdleMin()) core.lock.assertUnlocked();
      core.setPrefs(p);
      return core.state();
    },
  };
}
