import type { Static } from 'typebox';
import type { OverrideData } from '../ratelimit.js';
import type { RatelimitOverrideRecord } from '../../storage/store.js';

/** Field by field, so nothing the store adds later reaches the response by accident. */
export function overrideData(override: RatelimitOverrideRecord): Static<typeof OverrideData> {
  return { overrideId: override.id, duration: override.duration, identifier: override.identifier, limit: override.limit };
}
