import type { Static } from 'typebox';
import type { ApiListItemData } from '../apis.js';
import type { ApiRecord } from '../../storage/store.js';

/** An API as apis.listApis lists it, field by field: its settings stay with apiSettings.getSettings. */
export function apiListItemData(api: ApiRecord): Static<typeof ApiListItemData> {
  return { id: api.id, name: api.name, createdAt: api.createdAt };
}
