/**
 * The one AppID rule, for the hostAppId (the CLI's WXPROV_APPID and the app's setup) and for
 * the mini programs bound to a product: the platform issues every AppID as "wx" and 16 hex
 * digits. Spaces around it (a paste) are dropped; nothing else is forgiven, so an AppSecret
 * pasted into the AppID field is refused here instead of being sent to the platform.
 *
 * The renderer cannot import the core; renderer/src/util/validate.ts holds a copy of this
 * regex, and test/integration/app-api-base-appid-ports.test.ts holds the app, the CLI and
 * that copy to the same answers.
 */
export const APPID_RE = /^wx[0-9a-f]{16}$/i;
export const APPID_ALLOWED = 'wx followed by 16 hex digits';

/** The AppID without surrounding spaces, or undefined when it is not one. */
export function parseAppId(raw: string | undefined): string | undefined {
  const s = raw?.trim() ?? '';
  return APPID_RE.test(s) ? s : undefined;
}
