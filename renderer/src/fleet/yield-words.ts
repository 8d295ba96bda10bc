/**
 * The yield view's words, zh-CN first. Kept beside the view (renderer/src/fleet/) rather than in
 * the shared dictionaries: the dashboard's yield is the fleet's own screen. `useYieldWords()`
 * follows the language switch like `useT()`.
 */
import { useCallback } from 'react';
import type { Locale } from '../../../preload/contract';
import { format, useLocale, type Params } from '../i18n';

const zhCN = {
  tab: '良率',
  station: '工位',
  allStations: '全部工位（整个工厂）',
  product: '产品',
  allProducts: '全部产品',
  range: '时间范围',
  today: '今天',
  days7: '最近 7 天',
  days30: '最近 30 天',
  byHour: '按小时',
  byDay: '按天',
  timeZone: '时区：{tz}',
  help: '按每次放上夹具的结果统计（包括重试和已有设备 ID 的设备）。一台设备按它在这段时间里第一次的结果计入；直通率 = 第一次就合格的台数 ÷ 台数。',
  units: '台数',
  fpy: '直通率',
  firstPass: '一次合格',
  pass: '合格',
  fail: '不合格',
  existing: '已有 ID',
  periods: '各时段',
  period: '时段',
  stations: '各工位',
  slots: '各夹具位',
  slot: '夹具位',
  pareto: '不合格原因（从多到少）',
  step: '步骤',
  code: '错误代码',
  count: '次数',
  share: '占比',
  cumulative: '累计占比',
  noUnits: '这段时间没有设备',
  noFailures: '这段时间没有不合格',
  todayUnits: '今天台数',
  todayFpy: '今天直通率',
  refresh: '刷新',
} as const;

export type YieldWord = keyof typeof zhCN;

const en: Record<YieldWord, string> = {
  tab: 'Yield',
  station: 'Station',
  allStations: 'All stations (the whole factory)',
  product: 'Product',
  allProducts: 'All products',
  range: 'Range',
  today: 'Today',
  days7: 'Last 7 days',
  days30: 'Last 30 days',
  byHour: 'By hour',
  byDay: 'By day',
  timeZone: 'Time zone: {tz}',
  help: 'Counted from every placement result (retries and units that already had an id included). A unit counts with its first result in the range; FPY = units that passed the first time ÷ units.',
  units: 'Units',
  fpy: 'FPY',
  firstPass: 'First pass',
  pass: 'Pass',
  fail: 'Fail',
  existing: 'Existing',
  periods: 'By period',
  period: 'Period',
  stations: 'By station',
  slots: 'By slot',
  slot: 'Slot',
  pareto: 'Failure reasons (most first)',
  step: 'Step',
  code: 'Code',
  count: 'Count',
  share: 'Share',
  cumulative: 'Cumulative',
  noUnits: 'No units in this range',
  noFailures: 'No failures in this range',
  todayUnits: 'Units today',
  todayFpy: 'FPY today',
  refresh: 'Refresh',
};

const DICTS: Record<Locale, Record<YieldWord, string>> = { 'zh-CN': zhCN, en };

/** What each step of the station's unit path is called (an unknown one shows as sent). */
const STEPS: Record<Locale, Record<string, string>> = {
  'zh-CN': {
    hello: '握手',
    mes_check: '制造系统检查',
    erase: '擦除',
    read: '读取',
    allocate: '分配 ID',
    write: '写入',
    readback: '回读',
    verify: '校验',
    commit: '锁定',
    confirm: '确认',
    record: '记录',
    push_test: '推送测试',
  },
  en: {
    hello: 'Hello',
    mes_check: 'MES check',
    erase: 'Erase',
    read: 'Read',
    allocate: 'Allocate',
    write: 'Write',
    readback: 'Read back',
    verify: 'Verify',
    commit: 'Commit',
    confirm: 'Confirm',
    record: 'Record',
    push_test: 'Push test',
  },
};

export function useYieldWords(): { w: (key: YieldWord, params?: Params) => string; step: (s: string) => string; locale: Locale } {
  const { locale } = useLocale();
  const w = useCallback((key: YieldWord, params?: Params) => format(DICTS[locale][key], params), [locale]);
  const step = useCallback((s: string) => STEPS[locale][s] ?? s, [locale]);
  return { w, step, locale };
}
