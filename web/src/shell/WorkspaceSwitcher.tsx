import { useId } from 'react';
import type { Workspace } from '../api/dashboard';

const ROLE_NAMES = { admin: 'admin', member: 'member', read_only: 'read-only' } as const;

/** The workspace every call acts in (`x-keyward-workspace`); a plain <select>, so keyboard and screen readers just work. */
export function WorkspaceSwitcher({
  workspaces,
  current,
  onChange,
}: {
  workspaces: Workspace[];
  current: Workspace | undefined;
  onChange(id: string): void;
}) {
  const id = useId();
  if (workspaces.length === 0) return <span className="workspace">No workspace</span>;
  return (
    <span className="workspace">
      <label htmlFor={id}>Workspace</label>
      <select id={id} value={current?.id} onChange={(event) => onChange(event.target.value)}>
        {workspaces.map((workspace) => (
          <option key={workspace.id} value={workspace.id}>
            {workspace.name} ({ROLE_NAMES[workspace.role]})
          </option>
        ))}
      </select>
    </span>
  );
}
