export { ABI_BOUND_MODULES, electronBindings, resolveElectronBuild, type ElectronBuild, type ElectronBuildStamp } from './electron-build.js';
export { electronTarget, type ElectronTarget } from './electron-target.js';
export { ensureElectronBuild, type BuildJob, type ElectronBuilder, type EnsureOptions } from './ensure-electron-build.js';
