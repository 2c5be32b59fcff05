import { Type } from 'typebox';
import { KEY_FORMATS } from '../core/key-format.js';
import { Defaulted, PageCursor, RequestObject, ResourceId, StringEnum } from './common.js';
import { KeyByteLength, KeyPrefix } from './keys.js';

export const ApiIdField = Type.String({ minLength: 8, maxLength: 255, pattern: '^[a-zA-Z0-9_]+$', description: 'The API id (`api_...`).' });

export const CreateApiBody = RequestObject({
  name: Type.String({ minLength: 3, maxLength: 256, description: 'A name for people; not unique.' }),
});
export const CreateApiData = Type.Object({ apiId: Type.String() });

export const GetApiBody = RequestObject({ apiId: ApiIdField });
export const ApiData = Type.Object({ id: Type.String(), name: Type.String() });

/** Keyward-only: apis.listApis, the workspace's live APIs a page at a time, in creation order. */
export const ListApisBody = RequestObject({
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'Most APIs per page.' })),
  cursor: Type.Optional(PageCursor),
});
/** What apis.getApi returns, and when the API was made (the dashboard shows it). */
export const ApiListItemData = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.Integer({ description: 'Unix ms.' }),
});

export const DeleteApiBody = RequestObject({ apiId: ApiIdField });

/** How an API's new keys are made (README, "Key format"). */
const KeyFormatField = (description: string) => StringEnum(KEY_FORMATS, { description });
const KEY_FORMAT_DESCRIPTION =
  "How keys.createKey and keys.rerollKey make this API's keys: `checksummed` (`[<prefix>_]kw0<base62 body><6-character base62 CRC-32 " +
  'of the body>`, recognisable by secret scanners; the default for APIs created since this setting exists) or `base58` ' +
  "(`[<prefix>_]<base58>`, Unkey's format). Keys of either format verify whatever the setting.";

export const UpdateApiSettingsBody = RequestObject({
  apiId: ApiIdField,
  deleteProtection: Type.Optional(Type.Boolean({ description: 'While on, apis.deleteApi answers 412.' })),
  storeEncryptedKeys: Type.Optional(
    Type.Boolean({
      description:
        'While on (and the server has a vault), keys.createKey accepts `recoverable: true` and stores the key encrypted, so ' +
        'keys.getKey and apis.listKeys can return it with `decrypt: true`. Off: recoverable and decrypt answer 412.',
    }),
  ),
  defaultPrefix: Type.Optional(
    Type.Union([KeyPrefix("The prefix keys.createKey gives a key when the request has no `prefix` (Unkey's API default)."), Type.Null()], {
      description: 'null removes it.',
    }),
  ),
  defaultByteLength: Type.Optional(
    Type.Union([KeyByteLength('The byte length keys.createKey uses when the request has no `byteLength` (unset: 16).'), Type.Null()], {
      description: 'null removes it.',
    }),
  ),
  leakPolicy: Type.Optional(
    Type.Enum(['disable', 'report'], {
      description:
        'What a leak report naming one of its keys does (POST /v2/leaks.report): "disable" (the default) disables the key at ' +
        'once, "report" only records the leak on it.',
    }),
  ),
  keyFormat: Type.Optional(KeyFormatField(`${KEY_FORMAT_DESCRIPTION} Changing it changes only keys made afterwards.`)),
  ipWhitelist: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }), Type.Null()], {
      description:
        "IPv4/IPv6 addresses and CIDR ranges (1-100) allowed to verify this API's keys; keys.verifyKey from any other client " +
        'answers code FORBIDDEN. null removes the whitelist.',
    }),
  ),
});
export const ApiSettingsData = Type.Object({
  apiId: Type.String(),
  name: Type.String(),
  deleteProtection: Type.Boolean(),
  storeEncryptedKeys: Type.Boolean(),
  defaultPrefix: Type.Optional(Type.String({ description: 'Absent when the API has no default prefix.' })),
  defaultByteLength: Type.Optional(Type.Integer({ description: 'Absent when the API has no default byte length (keys get 16).' })),
  keyFormat: KeyFormatField(KEY_FORMAT_DESCRIPTION),
  ipWhitelist: Type.Optional(Type.Array(Type.String(), { description: 'Absent when the API has no IP whitelist.' })),
  leakPolicy: Type.Optional(Type.Enum(['report'], { description: 'Absent while it is the default, "disable".' })),
});
export const GetApiSettingsBody = RequestObject({ apiId: ApiIdField });

export { ResourceId };
