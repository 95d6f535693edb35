export type RawParams = Record<string, unknown>;

/** Names of parameters sent more than once (OAuth 2.0 forbids repeating a parameter). */
export function duplicatedParameters(params: RawParams): string[] {
  return Object.keys(params).filter((k) => Array.isArray(params[k]));
}

/** Names of required parameters that are absent or empty. */
export function missingParameters(params: RawParams, required: readonly string[]): string[] {
  return required.filter((name) => {
    const v = params[name];
    return v === undefined || v === null || v === '';
  });
}

/** The parameters sent once as strings (repeated or structured ones left out): what can be stored or sealed. */
export function stringParams(params: RawParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (typeof value === 'string') out[name] = value;
  return out;
}

/** Takes a single string parameter; non-strings (arrays, objects) read as absent. */
export function stringParam(params: RawParams, name: string): string | undefined {
  const v = params[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
