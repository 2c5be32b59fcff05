import { pathOf, type Route } from '../router';

/** The dashboard's sections, in the order the navigation shows them (an API's keys are reached from its row). */
export const SECTIONS: readonly { route: Route; label: string; href: string }[] = [
  { route: 'apis', label: 'APIs', href: pathOf('apis') },
  { route: 'identities', label: 'Identities', href: pathOf('identities') },
  { route: 'ratelimits', label: 'Rate limits', href: pathOf('ratelimits') },
  { route: 'permissions', label: 'Permissions', href: pathOf('permissions') },
  { route: 'root-keys', label: 'Root keys', href: pathOf('root-keys') },
  { route: 'webhooks', label: 'Webhooks', href: pathOf('webhooks') },
  { route: 'audit', label: 'Audit log', href: pathOf('audit') },
  { route: 'analytics', label: 'Analytics', href: pathOf('analytics') },
  { route: 'settings', label: 'Settings', href: pathOf('settings') },
];
