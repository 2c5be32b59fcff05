import { EmptyBody, VaultStatusData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const getVaultStatus = defineDashboardRoute({
  operation: 'dashboard.getVaultStatus',
  summary: 'Whether recoverable keys are available: no vault, a local one or `keyward vault serve`; whether it answers (admins only)',
  description:
    'The master key versions configured and wrapping data keys, as numbers: never key material. The vault is installation-wide; ' +
    "any workspace's admins see it, since whether recoverable keys work matters to each.",
  body: EmptyBody,
  data: VaultStatusData,
  session: 'admin',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services }) => ({ data: await services.vaultStatus.report() }),
});
