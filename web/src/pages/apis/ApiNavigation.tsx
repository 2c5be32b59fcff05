import { useEffect, useState } from 'react';
import { apis } from '../../api/apis';
import { Link } from '../../components/Link';
import { apiSettingsPathOf, keysPathOf } from '../../router';

/**
 * One API's own pages, "Keys | Settings". Named after the API (apis.getApi; its id until the name arrives, or if it
 * cannot be read) so a screen reader tells it from the sections' navigation; a failure here is the page's to show.
 */
export function ApiNavigation({ apiId, current }: { apiId: string; current: 'keys' | 'settings' }) {
  const [name, setName] = useState(apiId);
  useEffect(() => {
    let wanted = true;
    apis.get(apiId).then(
      (api) => wanted && setName(api.name),
      () => undefined,
    );
    return () => {
      wanted = false;
    };
  }, [apiId]);
  const pages = [
    { page: 'keys', label: 'Keys', href: keysPathOf(apiId) },
    { page: 'settings', label: 'Settings', href: apiSettingsPathOf(apiId) },
  ] as const;
  return (
    <nav className="api-navigation" aria-label={`API ${name}`}>
      <ul>
        {pages.map(({ page, label, href }) => (
          <li key={page}>
            <Link href={href} aria-current={page === current ? 'page' : undefined}>
              {label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
