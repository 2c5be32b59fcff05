import { PASSWORD_MAX, PASSWORD_MIN } from '../api/dashboard';

/** What is wrong with a new password and its confirmation, before asking the server (which applies the same rule). */
export function passwordProblem(password: string, confirmation: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `The password needs at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `The password may have at most ${PASSWORD_MAX} characters.`;
  if (password !== confirmation) return 'The two passwords differ.';
  return undefined;
}
