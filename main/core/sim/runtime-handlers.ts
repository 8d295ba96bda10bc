import { deviceIdProblem, MINI_APPID_RE, parseProductId, PUSH_MSG_MAX_BYTES, utf8Bytes } from '../ids/validate.js';
import { pubkeyProblem } from './pubkey.js';
import { fail, ok, type Answer, type RuntimeEndpoint, type SimProduct, type SimState } from './types.js';

export interface RuntimeEnv {
  state: SimState;
  now: () => number;
  /** Answer product_id / key_version as strings, as Tencent's own tool sometimes does. */
  idsAsStrings: boolean;
  onPush: (p: { push_token: string; msg: string }) => void;
}

type Body = Record<string, unknown>;

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** The five /wxa/business/runtime endpoints, called only once the token has been accepted. */
export function handleRuntime(endpoint: RuntimeEndpoint, body: Body, env: RuntimeEnv): Answer {
  switch (endpoint) {
    case 'createproduct':
      return createProduct(body, env);
    case 'registerpubkey':
      return registerPubkey(body, env);
    case 'adddevice':
      return addDevice(body, env);
    case 'bindwxaapp':
      return bindWxaApp(body, env);
    case 'pushappmsg':
      return pushAppMsg(body, env);
  }
}

const id = (n: number, env: RuntimeEnv) => (env.idsAsStrings ? String(n) : n);

function findProduct(body: Body, env: RuntimeEnv): SimProduct | Answer {
  const pid = parseProductId(body.product_id);
  if (pid === undefined) return fail(40097, `invalid args: product_id ${JSON.stringify(body.product_id ?? null)} is not a product id`);
  return env.state.products.get(pid) ?? fail(40097, `invalid args: product_id ${pid} not found`);
}

const isAnswer = (v: SimProduct | Answer): v is Answer => 'errcode' in v;

function createProduct(body: Body, env: RuntimeEnv): Answer {
  for (const f of ['english_product_name', 'chinese_product_name', 'device_default_name']) {
    if (!nonEmpty(body[f])) return fail(40097, `invalid args: ${f} is required`);
  }
  const product_id = env.state.nextProductId++;
  env.state.products.set(product_id, {
    product_id,
    english_product_name: body.english_product_name as string,
    chinese_product_name: body.chinese_product_name as string,
    device_default_name: body.device_default_name as string,
    pubkeys: new Map(),
    bound_appids: new Set(),
    device_ids: new Set(),
    model_names: new Set(),
  });
  return ok({ product_id: id(product_id, env) });
}

function registerPubkey(body: Body, env: RuntimeEnv): Answer {
  const p = findProduct(body, env);
  if (isAnswer(p)) return p;
  const problem = pubkeyProblem(body.pubkey);
  if (problem) return fail(40097, `invalid args: ${problem}`);
  const key_version = p.pubkeys.size + 1;
  p.pubkeys.set(key_version, body.pubkey as string);
  return ok({ key_version: id(key_version, env) });
}

function addDevice(body: Body, env: RuntimeEnv): Answer {
  // The live API answers a bare "system error" without model_name, though the doc omits it.
  if (!nonEmpty(body.model_name)) return fail(-1, 'system error');
  const p = findProduct(body, env);
  if (isAnswer(p)) return p;
  const list = body.device_id_list;
  if (!Array.isArray(list) || list.length === 0) return fail(40097, 'invalid args: device_id_list must be a non-empty array');
  // One bad id fails the whole batch, as on the platform: nothing is stored.
  for (const d of list) {
    const problem = typeof d === 'string' ? deviceIdProblem(d) : 'not a string';
    if (problem) return fail(40097, `invalid args: device_id ${JSON.stringify(d)} ${problem}`);
    if (env.state.rejectDeviceIds.has(d)) return fail(40097, `invalid args: device_id ${JSON.stringify(d)} is not allowed`);
  }
  for (const d of list as string[]) p.device_ids.add(d);
  p.model_names.add(body.model_name);
  return ok();
}

function bindWxaApp(body: Body, env: RuntimeEnv): Answer {
  const p = findProduct(body, env);
  if (isAnswer(p)) return p;
  if (typeof body.appid !== 'string' || !MINI_APPID_RE.test(body.appid)) {
    return fail(40097, `invalid args: appid ${JSON.stringify(body.appid ?? null)} is not a mini-program AppID`);
  }
  p.bound_appids.add(body.appid);
  return ok();
}

function pushAppMsg(body: Body, env: RuntimeEnv): Answer {
  const { push_token, msg } = body;
  if (!nonEmpty(push_token) || typeof msg !== 'string' || msg === '') return fail(40101, 'invalid args: push_token and msg are required');
  if (utf8Bytes(msg) > PUSH_MSG_MAX_BYTES) return fail(45002, `msg too long: ${utf8Bytes(msg)} bytes`);
  const info = env.state.pushTokens.get(push_token);
  if (!info || (info.expireAt !== undefined && env.now() >= info.expireAt)) return fail(48012, 'invalid push token');
  env.state.pushes.push({ push_token, msg, time: env.now() });
  env.onPush({ push_token, msg });
  return ok();
}
