/**
 * Secrets must never reach a log line, an error text or the screen. Known secret values
 * (the AppSecret, tokens as they are issued) are registered and masked wherever they
 * appear; patterns catch the shapes a secret takes even when its value is not known yet.
 */
const PATTERNS: [RegExp, string][] = [
  [/(access_token=)[^&\s"']+/gi, '$1***'],
  [/("access_token"\s*:\s*")[^"]*"/gi, '$1***"'],
  [/((?:app)?secret=)[^&\s"']+/gi, '$1***'],
  [/("(?:app)?secret"\s*:\s*")[^"]*"/gi, '$1***"'],
  [/("push_token"\s*:\s*")[^"]*"/gi, '$1***"'],
  [/-----BEGIN (?:EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?-----END (?:EC |ENCRYPTED )?PRIVATE KEY-----/g, '[private key]'],
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remember a value that must never be shown. Short values are ignored: masking "a" would mangle text. */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 6) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return out;
  }
}

/** The process-wide redactor: the client registers tokens here as soon as it gets them. */
export const redactor = new Redactor();
