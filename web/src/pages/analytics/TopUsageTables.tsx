import type { OutcomeCounts, TopIdentity, TopKey } from '../../api/analytics';
import { Link } from '../../components/Link';
import { ScrollTable } from '../../components/ScrollTable';
import { keyPathOf } from '../../router';
import { OUTCOME_LABELS, occurredOutcomes, sumCounts } from './outcomes';

/** The counts columns of a top list: the total, then each outcome that occurred in any of its rows. */
function countColumns(rows: readonly OutcomeCounts[]) {
  const outcomes = occurredOutcomes(sumCounts(rows));
  return {
    headers: (
      <>
        <th scope="col">Total</th>
        {outcomes.map((outcome) => (
          <th scope="col" key={outcome}>
            {OUTCOME_LABELS[outcome]}
          </th>
        ))}
      </>
    ),
    cells: (row: OutcomeCounts) => (
      <>
        <td>{row.total.toLocaleString()}</td>
        {outcomes.map((outcome) => (
          <td key={outcome}>{row[outcome].toLocaleString()}</td>
        ))}
      </>
    ),
  };
}

/** The most verified keys, each linking to its key page. */
export function TopKeysTable({ keys }: { keys: readonly TopKey[] }) {
  const columns = countColumns(keys);
  if (keys.length === 0) return <p className="empty">No key was verified in this range.</p>;
  return (
    <ScrollTable label="Top keys table">
      <table>
        <thead>
          <tr>
            <th scope="col">Key</th>
            {columns.headers}
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.keyId}>
              <th scope="row">
                <Link href={keyPathOf(key.apiId, key.keyId)}>
                  <code>{key.keyId}</code>
                </Link>
              </th>
              {columns.cells(key)}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

/**
 * The most verified identities. The dashboard has no identity page yet, so each one's button narrows the chart to that
 * identity instead.
 */
export function TopIdentitiesTable({ identities, onShow }: { identities: readonly TopIdentity[]; onShow: (externalId: string) => void }) {
  const columns = countColumns(identities);
  if (identities.length === 0) return <p className="empty">No identity's key was verified in this range.</p>;
  return (
    <ScrollTable label="Top identities table">
      <table>
        <thead>
          <tr>
            <th scope="col">Identity</th>
            {columns.headers}
          </tr>
        </thead>
        <tbody>
          {identities.map((identity) => (
            <tr key={identity.identityId}>
              <th scope="row">
                <button
                  type="button"
                  className="link"
                  aria-label={`Chart identity ${identity.externalId}`}
                  onClick={() => onShow(identity.externalId)}
                >
                  {identity.externalId}
                </button>
              </th>
              {columns.cells(identity)}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
