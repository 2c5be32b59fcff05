import { EmptyBody, NodeListData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const listNodes = defineDashboardRoute({
  operation: 'dashboard.listNodes',
  summary: "The installation's running nodes, this one marked (admins of the installation's first workspace only)",
  description:
    'Each node writes its row every KEYWARD_NODE_HEARTBEAT_SECONDS and deletes it when it stops cleanly; one silent for three ' +
    'heartbeats is `gone`. Nodes are installation-wide (host names, versions): admins of any other workspace get 403.',
  body: EmptyBody,
  data: NodeListData,
  session: 'admin',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services, ctx }) => {
    const registry = services.nodes;
    if (!registry) throw new Error('this process keeps no node registry');
    const nodes = await registry.list(ctx!);
    return { data: { heartbeatSeconds: registry.heartbeatMs / 1000, nodes } };
  },
});
