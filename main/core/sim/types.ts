/** Names the simulator answers to; faults target one of them, or '*' for all. */
export const SIM_ENDPOINTS = ['createproduct', 'registerpubkey', 'adddevice', 'bindwxaapp', 'pushappmsg', 'token', 'stable_token'] as const;
export type SimEndpoint = (typeof SIM_ENDPOINTS)[number];
export type RuntimeEndpoint = Exclude<SimEndpoint, 'token' | 'stable_token'>;

export type Fault = {
  /** 'createproduct' | 'registerpubkey' | 'adddevice' | 'bindwxaapp' | 'pushappmsg' | 'token' | 'stable_token' | '*' */
  endpoint: string;
  /** How many requests it hits; default 1, Infinity allowed. */
  times?: number;
} & (
  | { kind: 'errcode'; errcode: number; errmsg?: string }
  | { kind: 'http'; status: number }
  /** 200 with a body that is not JSON. */
  | { kind: 'garbage' }
  /** Process the request (state changes happen) and close the socket without answering. */
  | { kind: 'drop' }
  /** Close the socket without processing the request. */
  | { kind: 'drop-before' }
  /** Process the request, answer `ms` later. */
  | { kind: 'delay'; ms: number }
  /**
   * 200 with exactly this JSON body, the request not processed: an answer without errcode, or
   * with errcode null or "abc", as a proxy or a half-broken gateway might send.
   */
  | { kind: 'json'; body: Record<string, unknown> }
);

export type FaultKind = Fault['kind'];

export interface SimProduct {
  product_id: number;
  english_product_name: string;
  chinese_product_name: string;
  device_default_name: string;
  /** key_version → SPKI PEM. */
  pubkeys: Map<number, string>;
  bound_appids: Set<string>;
  device_ids: Set<string>;
  /** model_name values adddevice was called with. */
  model_names: Set<string>;
}

export interface SimPush {
  push_token: string;
  msg: string;
  time: number;
}

export interface SimCall {
  endpoint: SimEndpoint;
  /** The request body (query for GET /cgi-bin/token), with the secret masked; tokens travel in the URL and are not kept. */
  body: unknown;
  time: number;
  /** The fault that hit this request, if any. */
  fault?: FaultKind;
  /** The errcode answered (0 for success); absent when no JSON answer was sent. */
  errcode?: number;
}

export interface SimState {
  products: Map<number, SimProduct>;
  pushes: SimPush[];
  calls: SimCall[];
  /** push_token → when it stops being valid (ms epoch), if ever. */
  pushTokens: Map<string, { expireAt?: number }>;
  /** Ids adddevice refuses (the platform does, e.g. for an id owned by another account): a batch holding one fails whole. */
  rejectDeviceIds: Set<string>;
  nextProductId: number;
}

export function newSimState(): SimState {
  return { products: new Map(), pushes: [], calls: [], pushTokens: new Map(), rejectDeviceIds: new Set(), nextProductId: 20001 };
}

/** The state as plain JSON, for GET /__sim/state (Maps and Sets do not serialise). */
export function stateToJson(s: SimState) {
  return {
    products: [...s.products.values()].map((p) => ({
      product_id: p.product_id,
      english_product_name: p.english_product_name,
      chinese_product_name: p.chinese_product_name,
      device_default_name: p.device_default_name,
      pubkeys: Object.fromEntries(p.pubkeys),
      bound_appids: [...p.bound_appids],
      device_ids: [...p.device_ids],
      model_names: [...p.model_names],
    })),
    pushes: s.pushes,
    calls: s.calls,
    push_tokens: [...s.pushTokens.entries()].map(([token, info]) => ({ token, ...info })),
    reject_device_ids: [...s.rejectDeviceIds],
  };
}

export type SimStateJson = ReturnType<typeof stateToJson>;

/** A platform-style JSON answer. */
export type Answer = { errcode: number; errmsg: string } & Record<string, unknown>;

export const ok = (extra: Record<string, unknown> = {}): Answer => ({ errcode: 0, errmsg: 'ok', ...extra });
export const fail = (errcode: number, errmsg: string): Answer => ({ errcode, errmsg });
