/**
 * Removes secrets from a log line: every secret registered with the logger, bearer credentials,
 * and `token`/`password`/`accessToken` values in JSON-ish text.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 6) out = out.split(secret).join("[redacted]");
  }
  return out
    .replace(/(Bearer\s+)[^\s"',]+/gi, "$1[redacted]")
    .replace(/("?(?:token|accessToken|password|apiKey)"?\s*[:=]\s*)"[^"]*"/gi, '$1"[redacted]"');
}
