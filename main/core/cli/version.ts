import pkg from '../../../package.json' with { type: 'json' };

/** The station's version. Bundled into out/cli with the code, so the compiled CLI reads no file for it. */
export const VERSION: string = pkg.version;
