import type { FastifyInstance } from 'fastify';
import { envelope, errorEnvelopeRef } from '../contract/common.js';
import type { OperatorRole } from '../core/operator-roles.js';
import type { Services } from '../services/index.js';
import type { OperatorSession } from '../services/operators/sessions.js';
import type { RequestContext } from '../services/context.js';
import { clientIp, type ProxyTrust } from './client-ip.js';
import type { DashboardRoute } from './dashboard-route.js';
import { DASHBOARD_ROUTES } from './routes/dashboard/index.js';
import { clearSessionCookie, CSRF_HEADER, headerValue, sessionToken, setSessionCookie, WORKSPACE_HEADER } from './session-cookie.js';

export interface DashboardOptions {
  services: Services;
  trustProxy: ProxyTrust;
  /** Mark the cookie Secure: the server or its public URL is HTTPS. */
  secureCookies: boolean;
}

/**
 * Registers dashboard.* (decision 0015) as `POST /v2/<operation>`: the body validated and errors answered as every
 * operation's, but authenticated by the session cookie (and `x-keyward-csrf`) instead of a root key. Only JSON bodies
 * are parsed (app.ts), so a cross-site form cannot post here; SameSite=Strict keeps the cookie off cross-site requests.
 */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions): void {
  for (const route of DASHBOARD_ROUTES) registerDashboardOperation(app, route, options);
}

function registerDashboardOperation(app: FastifyInstance, route: DashboardRoute, options: DashboardOptions): void {
  const { services, trustProxy, secureCookies } = options;
  app.post(`/v2/${route.operation}`, {
    schema: {
      operationId: route.operation,
      tags: ['dashboard'],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: route.session === 'none' ? [] : [{ dashboardSession: [] }],
      body: route.body,
      response: {
        200: envelope(route.data),
        ...Object.fromEntries(route.errors.map((status) => [status, errorEnvelopeRef(status)])),
      },
    },
    handler: async (request, reply) => {
      const client = {
        requestId: String(request.id),
        sourceIp: clientIp(request.raw, trustProxy),
        userAgent: request.headers['user-agent'] ?? null,
      };
      let session: OperatorSession | undefined;
      let ctx: RequestContext | undefined;
      let role: OperatorRole | undefined;
      if (route.session !== 'none') {
        const need = route.session;
        const states = need === 'any' ? 'any' : need === 'admin' || need === 'member' ? (['active'] as const) : [need];
        session = await services.dashboard.session(sessionToken(request.raw), {
          states,
          csrf: route.csrf ? headerValue(request.raw, CSRF_HEADER) : false,
        });
        const workspaceId = headerValue(request.raw, WORKSPACE_HEADER);
        if (route.session === 'admin') {
          ctx = await services.operators.adminContext(session, workspaceId, client);
          role = 'admin';
        } else if (route.session === 'member') {
          ({ ctx, role } = await services.operators.memberContext(session, workspaceId, client));
        }
      }
      const result = await route.handle({ body: request.body as never, services, client, session, ctx, role });
      if (result.setSession !== undefined) reply.header('set-cookie', setSessionCookie(result.setSession, secureCookies));
      if (result.clearSession) reply.header('set-cookie', clearSessionCookie(secureCookies));
      return { meta: { requestId: String(request.id) }, data: result.data };
    },
  });
}
