import { type FormEvent, useId, useState } from 'react';
import { PASSWORD_MAX, PASSWORD_MIN, type Role } from '../../api/dashboard';
import { type Operator, ROLE_LABELS, settings } from '../../api/settings';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Field } from '../../components/Field';
import { RowButton } from '../../components/RowButton';
import { useSession } from '../../session';
import { useConfirmedAction } from '../confirmed-action';
import { ListingTable } from '../listing-table';
import { usePagedList } from '../paged-list';

const ROLES: readonly Role[] = ['admin', 'member', 'read_only'];
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/**
 * The workspace's operators (admins only, as the server decides): add one with a first password the admin passes on
 * by other means (it is never shown back; the new operator sets up two-factor authentication at first sign-in),
 * change a role (the server refuses to leave the workspace without an admin, and says so), remove one after a confirmation.
 */
export function OperatorsPanel() {
  const { status } = useSession();
  const myId = status.kind === 'signed-in' ? status.session.operator.id : undefined;
  const list = usePagedList(settings.listOperators);
  const { reload } = list;
  const ids = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();
  const [roleError, setRoleError] = useState<unknown>();
  const removal = useConfirmedAction(async (operator: Operator) => {
    await settings.removeOperator(operator.id);
    setNotice(`Removed ${operator.email} from the workspace.`);
  }, reload);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreating(true);
    setCreateError(undefined);
    setNotice(undefined);
    try {
      const { operatorId } = await settings.createOperator(email.trim(), password, role);
      setNotice(`Added ${email.trim()} (${operatorId}) as ${ROLE_LABELS[role]}. Give them their password another way.`);
      setEmail('');
      await reload();
    } catch (error) {
      setCreateError(error);
    } finally {
      // The password leaves the page's state whatever the answer: nothing keeps it once it was sent.
      setPassword('');
      setCreating(false);
    }
  };

  const changeRole = async (operator: Operator, next: Role) => {
    setRoleError(undefined);
    setNotice(undefined);
    try {
      await settings.updateOperatorRole(operator.id, next);
      setNotice(`${operator.email} is now ${ROLE_LABELS[next]}.`);
    } catch (error) {
      setRoleError(error);
    }
    // Either way the list shows the server's truth (a refused change puts the old role back).
    await reload();
  };

  return (
    <section aria-labelledby="settings-operators">
      <h2 id="settings-operators">Operators</h2>
      <p className="hint">People who sign in to this dashboard, and what each may do in this workspace.</p>
      <ErrorMessage error={roleError} />
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ListingTable
        list={list}
        loadingLabel="Loading operators…"
        empty="No operators."
        label="Operators table"
        headers={['Email', 'Role', 'Two-factor', 'Added']}
        rowKey={(operator) => operator.id}
        cells={(operator) => (
          <>
            <td>
              {operator.email}
              {operator.id === myId ? ' (you)' : ''}
            </td>
            <td>
              <select
                aria-label={`Role of ${operator.email}`}
                value={operator.role}
                onChange={(e) => void changeRole(operator, e.target.value as Role)}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </select>
            </td>
            <td>{operator.mfaEnrolled ? 'Enrolled' : 'Not yet'}</td>
            <td>{when.format(operator.createdAt)}</td>
          </>
        )}
        actions={(operator) => (
          <RowButton danger label={`Remove ${operator.email}`} onClick={() => removal.ask(operator)}>
            Remove
          </RowButton>
        )}
      />

      <h3>Add an operator</h3>
      <form className="inline-form" onSubmit={create}>
        <Field
          label="Email"
          type="email"
          required
          maxLength={254}
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label="First password"
          type="password"
          required
          minLength={PASSWORD_MIN}
          maxLength={PASSWORD_MAX}
          autoComplete="new-password"
          hint={`${PASSWORD_MIN} to ${PASSWORD_MAX} characters. Pass it on another way; it is not shown again. They set up two-factor authentication at their first sign-in.`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <div className="field">
          <label htmlFor={`${ids}-role`}>Role</label>
          <select id={`${ids}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={creating}>
          {creating ? 'Adding…' : 'Add operator'}
        </button>
      </form>
      <ErrorMessage error={createError} />

      {removal.target && (
        <ConfirmDialog title={`Remove ${removal.target.email}?`} confirmLabel="Remove operator" {...removal.dialog}>
          <p>They can no longer act in this workspace. Their account stays for any other workspace they belong to.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
