export { createAppService, type AppService, type AppServiceOptions } from './app-service.js';
export { dispatch, isInvokeName } from './dispatch.js';
export { jsonFileKv, memoryKv, type KeyValueStore } from './kv.js';
export { LOCKED_WHEN_LOCKED } from './guard.js';
