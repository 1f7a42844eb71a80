// Activities called from a test as a worker calls them: inside an activity context
// (MockActivityEnvironment), so that heartbeats and activityInfo() work as in production.
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { quietLogger } from './workflow-env.js';

export type Activity = (...args: never[]) => Promise<unknown>;

/**
 * A mock activity context with `info` (default: the SDK's). The SDK's own log lines (a warning for
 * every activity that a test makes fail) are dropped below ERROR.
 */
export function mockActivityEnvironment(info: Partial<Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: quietLogger() });
}

/** `fn(...args)` in `env`'s activity context, typed as `fn` is (the SDK's run() does not say what it returns). */
export function runIn<F extends Activity>(env: MockActivityEnvironment, fn: F, ...args: Parameters<F>): ReturnType<F> {
  return env.run(fn, ...args) as ReturnType<F>;
}

/** `activities`, each call run in a new mock activity context with `info`. */
export function inActivityContext<A extends Record<string, Activity>>(activities: A, info: Partial<Info> = {}): A {
  return Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [name, (...args: never[]) => runIn(mockActivityEnvironment({ activityType: name, ...info }), fn, ...args)]),
  ) as A;
}
