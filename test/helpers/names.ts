import { DEFAULT_PREFIX, Names } from '../../lib/config/names';

/**
 * The names tests expect, produced by the one naming module with the default prefix (as `cdk.json`
 * sets it): tests never spell a name prefix or a name's structure themselves.
 */
export const TEST_NAMES = new Names(DEFAULT_PREFIX);

/** `<prefix>-proj-<project>-<env>-<suffix>`, e.g. `projectNamed('alpha', 'dev', 'user')`. */
export const projectNamed = (project: string, envType: string, suffix: string): string =>
  TEST_NAMES.projectResource(project, envType, suffix);

/** A regular expression from `source` with every `<prefix>` replaced by the default prefix. */
export const withPrefix = (source: string, flags?: string): RegExp =>
  new RegExp(source.replaceAll('<prefix>', TEST_NAMES.prefix), flags);
