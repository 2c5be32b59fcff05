import type { DashboardRoute } from '../../dashboard-route.js';
import { completeSetup } from './complete-setup.js';
import { confirmMfaEnrolment } from './confirm-mfa-enrolment.js';
import { createOperator } from './create-operator.js';
import { getSession } from './get-session.js';
import { getSetupStatus } from './get-setup-status.js';
import { getVaultStatus } from './get-vault-status.js';
import { getWorkspaceSettings } from './get-workspace-settings.js';
import { listNodes } from './list-nodes.js';
import { listOperators } from './list-operators.js';
import { removeOperator } from './remove-operator.js';
import { signIn } from './sign-in.js';
import { signOut } from './sign-out.js';
import { signOutEverywhere } from './sign-out-everywhere.js';
import { startMfaEnrolment } from './start-mfa-enrolment.js';
import { updateOperatorRole } from './update-operator-role.js';
import { verifyMfa } from './verify-mfa.js';

/** Every dashboard.* operation (decision 0015); http/dashboard.ts registers them apart from ROUTES, as they authenticate by cookie. */
export const DASHBOARD_ROUTES = [
  getSetupStatus,
  completeSetup,
  signIn,
  startMfaEnrolment,
  confirmMfaEnrolment,
  verifyMfa,
  getSession,
  signOut,
  signOutEverywhere,
  listOperators,
  createOperator,
  updateOperatorRole,
  removeOperator,
  getWorkspaceSettings,
  getVaultStatus,
  listNodes,
] as unknown as readonly DashboardRoute[];
