import type { Ratelimit } from '../../api/keys';
import { durationText } from '../form-numbers';

/** The "Rate limits" section of a key's or an identity's page: each limit as a line, in the order given, or "None.". */
export function RatelimitsSection({ headingId, limits }: { headingId: string; limits: readonly Ratelimit[] }) {
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Rate limits</h2>
      {limits.length > 0 ? (
        <ul aria-label="Rate limits">
          {limits.map((limit) => (
            <li key={limit.id}>
              <code>{limit.name}</code>: {limit.limit.toLocaleString()} per {durationText(limit.duration)}
              {limit.autoApply ? ' (applied on every verification)' : ''}
            </li>
          ))}
        </ul>
      ) : (
        <p className="empty">None.</p>
      )}
    </section>
  );
}
