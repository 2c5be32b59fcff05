import type { ButtonHTMLAttributes } from 'react';

type RowButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'type' | 'className' | 'aria-label'> & {
  /** Names the button with its row ("Delete endpoint https://…"): its visible text ("Delete") is the same on every row. */
  label: string;
  /** Red, for what destroys (delete, revoke, remove). */
  danger?: boolean;
};

/** A small button that acts on one row: of a table (DataTable.tsx's actions column), or of a list of form rows. */
export function RowButton({ label, danger = false, ...button }: RowButtonProps) {
  return <button type="button" className={danger ? 'danger small' : 'secondary small'} aria-label={label} {...button} />;
}
