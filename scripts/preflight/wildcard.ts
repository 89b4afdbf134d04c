/** An IAM wildcard pattern (`*` any run, `?` one character) as a regular expression over the whole string. */
export function wildcardRegExp(pattern: string, flags = ''): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);
}
