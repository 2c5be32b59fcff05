import { Type } from 'typebox';
import { Defaulted, JsonObject, RequestObject } from './common.js';
import { ExternalIdField, IdentityOut, RatelimitIn, RatelimitOut } from './keys.js';

/** Schemas of the identities.* operations (limits from docs/unkey-compatibility.md, "identities"). */

/** Either the `id_...` or the externalId: upstream accepts both in one field. */
export const IdentityRef = Type.String({ minLength: 1, maxLength: 255, description: 'The identity id (`id_...`) or its externalId.' });
const IdentityRatelimits = Type.Array(RatelimitIn, { maxItems: 50, description: 'Limits shared by every key of the identity.' });
/** Free-form data for your own use, up to 100 properties and 1 MiB as JSON (the size is checked by the service). */
const IdentityMeta = Type.Optional(JsonObject);

/** Other fields are ignored, as upstream does on this operation. */
export const CreateIdentityBody = Type.Object(
  {
    externalId: ExternalIdField,
    meta: IdentityMeta,
    ratelimits: Type.Optional(IdentityRatelimits),
  },
  { additionalProperties: true },
);
export const CreateIdentityData = Type.Object({ identityId: Type.String() });

/** An identity as its own operations return it: a key's `identity`, except that `ratelimits` is always present. */
export const IdentityData = Type.Object({ ...IdentityOut.properties, ratelimits: Type.Array(RatelimitOut) });

export const GetIdentityBody = RequestObject({ identity: IdentityRef });

export const ListIdentitiesBody = RequestObject({
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  search: Type.Optional(Type.String({ maxLength: 256, description: 'Case-insensitive substring of the id or the externalId; trimmed.' })),
});

export const UpdateIdentityBody = RequestObject({
  identity: IdentityRef,
  /** Replaces the whole object; absent leaves it as it is. */
  meta: IdentityMeta,
  ratelimits: Type.Optional(IdentityRatelimits),
});

export const DeleteIdentityBody = RequestObject({ identity: IdentityRef });
