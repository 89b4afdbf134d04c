/**
 * A small EventBridge pattern matcher for the operators our rules use: exact values (arrays of
 * alternatives), nested objects, and `{ exists: false|true }`. No maintained library matches
 * patterns faithfully offline, so this covers exactly what is needed, with its own tests.
 */
export function matches(pattern: unknown, event: unknown): boolean {
  if (!pattern || typeof pattern !== 'object' || Array.isArray(pattern)) throw new Error('pattern must be an object');
  const value = event && typeof event === 'object' ? (event as Record<string, unknown>) : {};
  return Object.entries(pattern as Record<string, unknown>).every(([key, expected]) => {
    const actual = value[key];
    if (Array.isArray(expected)) {
      return expected.some((alternative) => {
        if (alternative && typeof alternative === 'object' && 'exists' in alternative) {
          return (alternative as { exists: boolean }).exists === (actual !== undefined);
        }
        return Array.isArray(actual) ? actual.includes(alternative) : actual === alternative;
      });
    }
    return matches(expected, actual);
  });
}
