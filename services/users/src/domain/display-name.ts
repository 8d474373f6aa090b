/** MAX_DISPLAY_NAME_LENGTH is the longest display name, in Unicode characters. */
export const MAX_DISPLAY_NAME_LENGTH = 100;

/** normalizeDisplayName trims a display name; inner spacing is the user's own. */
export function normalizeDisplayName(raw: string): string {
  return raw.trim();
}

/** displayNameProblem returns why a normalised display name is not acceptable, or undefined when it is. */
export function displayNameProblem(name: string): string | undefined {
  if (name === '') return 'is required';
  if ([...name].length > MAX_DISPLAY_NAME_LENGTH) return `must be 1 to ${MAX_DISPLAY_NAME_LENGTH} characters`;
  if (/\p{Cc}/u.test(name)) return 'must not contain control characters';
  return undefined;
}
