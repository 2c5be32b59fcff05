import { ApiError } from '../api/client';

/** An error as the server explained it: its `detail`, then each refused field. Announced by screen readers. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const detail = error instanceof Error ? error.message : String(error);
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <div className="error" role="alert">
      <p>{detail}</p>
      {problems.length > 0 && (
        <ul>
          {problems.map((problem) => (
            <li key={`${problem.location}:${problem.message}`}>
              <code>{problem.location}</code>: {problem.message}
              {problem.fix ? ` (${problem.fix})` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
