import type { Static } from 'typebox';
import type { IdentityData } from '../identities.js';
import type { IdentityRecord } from '../../storage/store.js';
import { identityData, ratelimitData } from './keys.js';

/** An identity as its own operations return it: as on a key, but `ratelimits` is always an array (docs/unkey-compatibility.md, "identities"). */
export const identityRecordData = (identity: IdentityRecord): Static<typeof IdentityData> => ({
  ...identityData(identity),
  ratelimits: identity.ratelimits.map(ratelimitData),
});
