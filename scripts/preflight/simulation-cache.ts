import * as path from 'node:path';

/**
 * Memoizes the IAM simulator's lookup of an action's resource types for a resource ARN (a pure
 * function of the service, the action, the ARN and the simulator's bundled IAM data). The
 * simulator calls it for every request, and matching an ARN against every resource-type pattern
 * is about half of the preflight's CPU time; the same (action, ARN) pairs recur across launch
 * scenarios and tests. Imported for its effect by every module that runs simulations.
 */
type Lookup = (service: string, action: string, resource: string) => Promise<unknown[]>;

const simulatorDir = path.dirname(require.resolve('@cloud-copilot/iam-simulate'));
// The module the simulator's engine calls through (its exports object, read at each call). A plain
// require: the package's exports map hides the file, and jest must give its own module instance.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resourceTypes = require(path.join(simulatorDir, 'simulation_engine', 'resourceTypes.js')) as {
  getResourceTypesForAction: Lookup & { memoized?: true };
};

if (!resourceTypes.getResourceTypesForAction.memoized) {
  const lookup = resourceTypes.getResourceTypesForAction;
  const results = new Map<string, Promise<unknown[]>>();
  const memoized: Lookup & { memoized?: true } = (service, action, resource) => {
    const key = `${service}\0${action}\0${resource}`;
    let result = results.get(key);
    if (!result) {
      result = lookup(service, action, resource);
      results.set(key, result);
    }
    return result;
  };
  memoized.memoized = true;
  resourceTypes.getResourceTypesForAction = memoized;
}
