import type { VerificationEvent } from '../../analytics/events.js';
import type { AnalyticsRecorder } from '../../analytics/recorder.js';
import type { Clock } from '../../core/clock.js';
import type { KeyRecord } from '../../storage/store.js';
import type { RequestContext } from '../context.js';
import type { VerifyKeyInput, VerifyKeyResult } from './types.js';

/**
 * A verification's analytics event (docs/architecture.md, "Verification", step 7): started before the verification,
 * told the key's ids and the credits charged while it decides, finished with its answer and latency. Kept apart from
 * the service so the decision reads the same with analytics on or off.
 */

/** The tags of every event whose request sent none: one shared array, never written to. */
const NO_TAGS: string[] = [];

/** The event before anything is decided: no key, no outcome yet. */
export function startVerificationEvent(ctx: RequestContext, input: VerifyKeyInput, recorder: AnalyticsRecorder): VerificationEvent {
  return {
    // Set by `decide` from the time it decides at; read here only when it answered before reading the clock.
    time: 0,
    requestId: ctx.requestId ?? '',
    workspaceId: ctx.workspaceId,
    keySpaceId: '',
    keyId: '',
    identityId: '',
    externalId: '',
    outcome: '',
    tags: input.tags ?? NO_TAGS,
    spentCredits: 0,
    latency: 0,
    region: recorder.region,
  };
}

/** The found key's ids in its analytics event (only once the caller may know the key exists). */
export function describeKey(event: VerificationEvent, key: KeyRecord): void {
  event.keySpaceId = key.apiId;
  event.keyId = key.id;
  event.identityId = key.identity?.id ?? '';
  event.externalId = key.identity?.externalId ?? '';
}

/** Sets what was answered and how long it took, then hands the event to the recorder. */
export function finishVerificationEvent(
  event: VerificationEvent,
  result: VerifyKeyResult,
  started: number,
  clock: Clock,
  recorder: AnalyticsRecorder,
): void {
  event.latency = performance.now() - started;
  if (event.time === 0) event.time = clock.now();
  event.outcome = result.code;
  if (result.code === 'NOT_FOUND') {
    // Also when a key found at first was deleted before its charge: NOT_FOUND tells nothing of any key.
    event.keySpaceId = '';
    event.keyId = '';
    event.identityId = '';
    event.externalId = '';
  }
  recorder.recordVerification(event);
}
