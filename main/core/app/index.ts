export { createAppService, type AppService, type AppServiceOptions } from './app-service.js';
export { dispatch, isInvokeName } from './dispatch.js';
export { jsonFileKv, memoryKv, openAppSettings, APP_SETTINGS_FILE, type KeyValueStore } from './kv.js';
export { isEngineerWork, lockRule } from './guard.js';
