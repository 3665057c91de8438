/** Every `code` along an error's chain of causes (drivers and drizzle wrap what the database said). */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let at = err, depth = 0; at instanceof Object && depth < 8; at = (at as { cause?: unknown }).cause, depth++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}
