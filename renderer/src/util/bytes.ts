/** What the platform counts for a push message: UTF-8 bytes (a Chinese character is 3). */
export const PUSH_LIMIT_BYTES = 5120;
const encoder = new TextEncoder();
export const utf8Bytes = (s: string): number => encoder.encode(s).length;
