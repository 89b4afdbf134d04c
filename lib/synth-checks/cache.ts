import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A cache of pure guardrail results (schema validation, guard rules), keyed by everything the
 * result depends on: the checker and its version, the rules and the template's content. A miss
 * runs the check; a cold cache therefore validates everything.
 *
 * It lives in `node_modules/.cache/guardrails` (never the temp directory), or in
 * `SDS_GUARDRAIL_CACHE_DIR`; `SDS_GUARDRAIL_CACHE=off` turns it off (every check runs).
 */
export class ResultCache {
  /** Where results are kept. */
  static directory(): string {
    return (
      process.env.SDS_GUARDRAIL_CACHE_DIR ??
      path.join(path.dirname(require.resolve('aws-cdk-lib/package.json')), '..', '.cache', 'guardrails')
    );
  }

  /**
   * @param checker folder of this checker's results
   * @param version the checker's version (and its rules'), part of every key
   */
  constructor(
    private readonly checker: string,
    private readonly version: string,
  ) {}

  private get dir(): string {
    return path.join(ResultCache.directory(), this.checker);
  }

  /** Whether the cache is in use (`SDS_GUARDRAIL_CACHE=off` turns it off). */
  get enabled(): boolean {
    return process.env.SDS_GUARDRAIL_CACHE !== 'off';
  }

  /** The key of a result: the checker's version and every input, in order. */
  key(...inputs: (string | Buffer)[]): string {
    const hash = crypto.createHash('sha256').update(this.version);
    for (const input of inputs) hash.update('\0').update(input);
    return hash.digest('hex');
  }

  /** The stored result, or undefined on a miss (or when the cache is off). */
  get<T>(key: string): T | undefined {
    if (!this.enabled) return undefined;
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, `${key}.json`), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Stores a result; atomic (write, then rename), so parallel runs never read half a file. */
  set(key: string, value: unknown): void {
    if (!this.enabled) return;
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `${key}.json`);
    const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`;
    fs.writeFileSync(partial, JSON.stringify(value));
    fs.renameSync(partial, file);
  }
}
