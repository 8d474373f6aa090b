let lastMs = -1;
let lastTime = '';

/**
 * isoTime is pino's `isoTime` timestamp made once per millisecond: under
 * load many lines share a millisecond, and formatting a Date for each line
 * showed up in the runtime benchmark's profile.
 */
export function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}
