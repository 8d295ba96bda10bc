const encoder = new TextEncoder();
/** What the platform counts for a push message: UTF-8 bytes (a Chinese character is 3); the limit is the station's (AppState.limits). */
export const utf8Bytes = (s: string): number => encoder.encode(s).length;
