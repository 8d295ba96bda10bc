export { startBridge, type Bridge, type BridgeOptions } from './server.js';
export { newToken, tokenMatches } from './token.js';
export { CSP } from './security.js';
export { DOWNLOAD_NAME } from './files.js';
export { MAX_BODY_BYTES } from './api.js';
