import { pathOf, type Route } from '../router';

/**
 * The dashboard's sections, in the order the navigation shows them. Only the built ones are listed; issue 15 adds
 * Keys, Identities, Rate limits, Permissions, Root keys, Audit log, Analytics and Settings, each with its page.
 */
export const SECTIONS: readonly { route: Route; label: string; href: string }[] = [
  { route: 'apis', label: 'APIs', href: pathOf('apis') },
  { route: 'settings', label: 'Settings', href: pathOf('settings') },
];
