import { Type } from 'typebox';
import { OPERATOR_ROLES } from '../core/operator-roles.js';
import { RequestObject, ResourceId, StringEnum } from './common.js';

/**
 * Keyward's dashboard.* (docs/decisions/0015-operators-and-mfa.md): operators sign in with a password and a TOTP code
 * and get the `keyward_session` cookie; after sign-in every call but getSession sends `x-keyward-csrf`. Secrets in
 * requests (password, codes, setup token) are never echoed, logged or audited.
 */

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'Compared case-insensitively.' });
// The length rule (12 to 256 characters) is checked by the service, so that it answers one clear message; the bound
// here only caps what is read.
const Password = Type.String({ minLength: 1, maxLength: 1024, description: '12 to 256 characters.' });
const Role = StringEnum(OPERATOR_ROLES, {
  description: 'admin: everything; member: everything but root keys and operators; read_only: reads.',
});
const TotpCode = Type.String({
  minLength: 6,
  maxLength: 6,
  pattern: '^[0-9]{6}$',
  description: 'The 6-digit code the authenticator shows.',
});
const Next = StringEnum(['mfa', 'enrol_mfa'] as const, { description: 'mfa: call verifyMfa; enrol_mfa: call startMfaEnrolment.' });
const OperatorIdField = ResourceId('The operator id (`op_...`).');

export const EmptyBody = RequestObject({});
export const EmptyOut = Type.Object({}, { additionalProperties: false });

export const SetupStatusData = Type.Object({ setupRequired: Type.Boolean({ description: 'True while no operator exists.' }) });

export const CompleteSetupBody = RequestObject({
  token: Type.String({ minLength: 1, maxLength: 256, description: 'The `token` of the setup link the server printed.' }),
  email: Email,
  password: Password,
});
export const NextData = Type.Object({ next: Next });

export const SignInBody = RequestObject({ email: Email, password: Password });

export const MfaEnrolmentData = Type.Object({
  secret: Type.String({ description: 'The TOTP secret, base32, for typing into an authenticator.' }),
  otpauthUri: Type.String(),
  qrCodeSvg: Type.String({ description: 'The otpauth URI as an SVG QR code.' }),
});

export const ConfirmMfaBody = RequestObject({ code: TotpCode });
export const RecoveryCodesData = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Ten one-time codes, shown only here.' }),
});

export const VerifyMfaBody = RequestObject({
  code: Type.Optional(TotpCode),
  recoveryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'One unused recovery code.' })),
});

export const SessionData = Type.Object({
  operator: Type.Object({ id: Type.String(), email: Type.String() }),
  state: StringEnum(['pending_mfa', 'pending_enrolment', 'active'] as const),
  csrfToken: Type.String({ description: "Send it as 'x-keyward-csrf' on every later call." }),
  workspaces: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), role: Role }), {
    description: 'The workspaces the operator belongs to, with its role in each; empty until the session is active.',
  }),
});

export const OperatorListData = Type.Object({
  operators: Type.Array(
    Type.Object({
      id: Type.String(),
      email: Type.String(),
      role: Role,
      mfaEnrolled: Type.Boolean(),
      createdAt: Type.Integer({ description: 'Unix ms.' }),
    }),
  ),
});

export const CreateOperatorBody = RequestObject({ email: Email, password: Password, role: Role });
export const CreateOperatorData = Type.Object({ operatorId: Type.String() });
export const UpdateOperatorRoleBody = RequestObject({ operatorId: OperatorIdField, role: Role });
export const RemoveOperatorBody = RequestObject({ operatorId: OperatorIdField });

export const WorkspaceSettingsData = Type.Object({
  workspace: Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.Integer({ description: 'Unix ms.' }) }),
  role: Role,
  apiRateLimit: Type.Object({
    perMinute: Type.Optional(Type.Integer({ minimum: 0, description: 'Requests per minute in force; absent: unlimited.' })),
    source: StringEnum(['workspace', 'server_default', 'none'] as const, {
      description:
        'workspace: its own value (`keyward workspace-limit`); server_default: KEYWARD_WORKSPACE_RATE_LIMIT; none: unlimited. Changed by the CLI only.',
    }),
  }),
});

const Versions = Type.Array(Type.Integer({ minimum: 1 }));
export const VaultStatusData = Type.Object({
  mode: StringEnum(['none', 'local', 'remote'] as const, {
    description: 'none: no vault (recoverable keys answer 412); local: KEYWARD_MASTER_KEYS here; remote: KEYWARD_VAULT_URL.',
  }),
  recoverableKeys: Type.Boolean({ description: 'Whether recoverable keys can be created and decrypted now.' }),
  answers: Type.Optional(Type.Boolean({ description: 'Whether the vault answered just now; absent with no vault.' })),
  problem: Type.Optional(Type.String({ description: 'Why it did not answer; never a secret.' })),
  masterKeyVersions: Type.Optional(
    Type.Object({
      configured: Versions,
      inUse: Type.Array(Type.Integer({ minimum: 1 }), { description: 'Versions wrapping some data key.' }),
    }),
  ),
});

const DependencyState = StringEnum(['ok', 'unavailable', 'timeout', 'unused', 'unchecked'] as const);
export const NodeListData = Type.Object({
  heartbeatSeconds: Type.Integer({ description: "This node's KEYWARD_NODE_HEARTBEAT_SECONDS; a node silent for three is gone." }),
  nodes: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String({ description: 'KEYWARD_NODE_NAME.' }),
      hostname: Type.String(),
      version: Type.String(),
      engine: StringEnum(['sqlite', 'postgres'] as const),
      database: DependencyState,
      redis: DependencyState,
      startedAt: Type.Integer({ description: 'Unix ms.' }),
      lastSeenAt: Type.Integer({ description: 'Unix ms of its latest heartbeat.' }),
      current: Type.Boolean({ description: 'The node that answered this call.' }),
      status: StringEnum(['up', 'gone'] as const, { description: 'gone: no heartbeat for three intervals.' }),
    }),
  ),
});
