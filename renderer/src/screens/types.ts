export type Screen = 'setup' | 'line' | 'queue' | 'records' | 'tools';
export const SCREENS: Screen[] = ['line', 'setup', 'queue', 'records', 'tools'];
