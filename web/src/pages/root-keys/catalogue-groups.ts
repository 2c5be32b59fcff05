import type { CataloguePermission } from '../../api/root-keys';
import type { PickerGroup } from '../../components/PermissionPicker';

/** The areas of tuple permissions (`<type>.*.<action>`), by type, as the picker heads them; an unknown type keeps its name. */
const AREAS: Record<string, string> = {
  api: 'APIs and keys',
  ratelimit: 'Rate limits',
  rbac: 'Permissions and roles',
  identity: 'Identities',
  audit: 'Audit log',
  rootkey: 'Root keys',
  webhook: 'Webhooks',
};

/** A catalogue entry with a placeholder (`<apiId>`, `<workspaceId>`) is a form to fill in, not a permission to tick. */
export const isForm = (entry: CataloguePermission) => entry.permission.includes('<');

/**
 * rootKeys.listPermissions' catalogue as the create form's picker shows it: the permissions that can be granted as they
 * are (the `*` tuples), grouped by area in the catalogue's order. Per-resource tuples and URNs need an id: they are
 * typed into the form's "more permissions" field instead, with the catalogue's forms listed beside it.
 */
export function pickerGroups(catalogue: readonly CataloguePermission[]): PickerGroup[] {
  const groups = new Map<string, { value: string; description: string }[]>();
  for (const entry of catalogue) {
    if (isForm(entry)) continue;
    const type = entry.permission.split('.')[0] ?? entry.permission;
    const area = AREAS[type] ?? type;
    groups.set(area, [...(groups.get(area) ?? []), { value: entry.permission, description: entry.description }]);
  }
  return [...groups].map(([legend, options]) => ({ legend, options }));
}

/** The "more permissions" field's lines: trimmed, blank lines dropped, each once. */
export const typedPermissions = (text: string): string[] => [
  ...new Set(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  ),
];
