/** Numbers as the forms take them and the pages show them: counts, and window lengths typed in seconds. */

/** A window length in milliseconds as people read it: seconds when whole, else milliseconds. */
export const durationText = (ms: number) => (ms % 1000 === 0 ? `${(ms / 1000).toLocaleString()} s` : `${ms.toLocaleString()} ms`);

/** A window length typed in seconds (whole, or with up to three decimals) as milliseconds; NaN for anything else. */
export function secondsToMs(text: string): number {
  const trimmed = text.trim();
  return /^\d+(\.\d{1,3})?$/.test(trimmed) ? Math.round(Number(trimmed) * 1000) : Number.NaN;
}

/** Milliseconds as the seconds a "Per seconds" field shows (the inverse of secondsToMs). */
export const msToSeconds = (ms: number) => String(ms / 1000);

/** Whole numbers only (counts and limits are integers in the API); NaN for anything else. */
export const wholeNumber = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN);
