/**
 * The signing key life cycle, as pure decisions over the key table and a
 * clock (epoch milliseconds), so every rule can be tested without waiting:
 *
 * 1. A key is created published: it is in the JWKS at once, but signs only
 *    from `activateAt`, set one activation delay after creation, so every
 *    verifier (whose key cache is at most 30 s old) knows the key before the
 *    first token it signs arrives. The very first key signs at once: no
 *    token exists yet that a verifier could fail on.
 * 2. When the newest key reaches the rotation age a successor is created.
 *    Its `activateAt` becomes `notAfterSigning` of every key it replaces,
 *    which leave the JWKS at `retireAt`: their last signing time plus the
 *    access token lifetime and a margin, when no token they signed can
 *    still be valid.
 * 3. A process that still signs with a replaced key (it cannot use the
 *    successor yet) pushes that key's `retireAt` forward.
 */

/** KeyRecord is what the decisions need to know about one signing key. */
export interface KeyRecord {
  kid: string;
  createdAt: number;
  /** activateAt is the first moment the key may sign. */
  activateAt: number;
  /** notAfterSigning is when a successor took over, or null while the key is the newest. */
  notAfterSigning: number | null;
  /** retireAt is when the key leaves the JWKS, or null while it is the newest. */
  retireAt: number | null;
  /** canSign tells whether this process holds the private key. */
  canSign: boolean;
}

/** KeyPolicy holds the timings of the life cycle. */
export interface KeyPolicy {
  /** rotationMs is the age at which a key is replaced; Infinity turns automatic rotation off. */
  rotationMs: number;
  activationDelayMs: number;
  accessTtlMs: number;
  retireMarginMs: number;
}

/** Supersession retires a key once its successor signs. */
export interface Supersession {
  kid: string;
  notAfterSigning: number;
  retireAt: number;
}

/** KeyPlan is what to write: a key to create (with its activation time) and the keys it replaces. */
export interface KeyPlan {
  create?: { activateAt: number };
  supersede: Supersession[];
}

/** isPublished tells whether a key is still in the JWKS at now. */
export function isPublished(key: KeyRecord, now: number): boolean {
  return key.retireAt === null || key.retireAt > now;
}

/** publishedKeys are the keys in the JWKS at now, newest first. */
export function publishedKeys(keys: readonly KeyRecord[], now: number): KeyRecord[] {
  return keys.filter((k) => isPublished(k, now)).sort((a, b) => b.createdAt - a.createdAt || b.kid.localeCompare(a.kid));
}

/**
 * chooseSigningKey is the key to sign with at now: the most recently
 * activated published key this process holds. If none is active yet (a
 * configured key still waiting, with no older one held) the newest held key
 * signs rather than nothing.
 */
export function chooseSigningKey(keys: readonly KeyRecord[], now: number): KeyRecord | undefined {
  const held = publishedKeys(keys, now).filter((k) => k.canSign);
  const active = held.filter((k) => k.activateAt <= now).sort((a, b) => b.activateAt - a.activateAt || b.createdAt - a.createdAt);
  return active[0] ?? held[0];
}

/** activationTime is when a key created at now may sign: at once when nothing else can sign, else after the delay. */
export function activationTime(keys: readonly KeyRecord[], now: number, policy: KeyPolicy): number {
  return chooseSigningKey(keys, now) === undefined ? now : now + policy.activationDelayMs;
}

/** supersede retires every current key in favour of a successor that signs from activateAt. */
function supersede(keys: readonly KeyRecord[], now: number, activateAt: number, policy: KeyPolicy): Supersession[] {
  return publishedKeys(keys, now)
    .filter((k) => k.notAfterSigning === null)
    .map((k) => ({ kid: k.kid, notAfterSigning: activateAt, retireAt: activateAt + policy.accessTtlMs + policy.retireMarginMs }));
}

/**
 * planRotation decides whether a new generated key is needed at now: when no
 * key is published, when this process holds none of them, or when the newest
 * has reached the rotation age.
 */
export function planRotation(keys: readonly KeyRecord[], now: number, policy: KeyPolicy): KeyPlan {
  const published = publishedKeys(keys, now);
  const newest = published[0];
  const due = newest === undefined || !published.some((k) => k.canSign) || now - newest.createdAt >= policy.rotationMs;
  if (!due) return { supersede: [] };
  const activateAt = activationTime(keys, now, policy);
  return { create: { activateAt }, supersede: supersede(keys, now, activateAt, policy) };
}

/**
 * planAdoption decides how a configured key (JWT_PRIVATE_KEY) joins the
 * table: not at all when it is already there, else like a rotation to it.
 */
export function planAdoption(keys: readonly KeyRecord[], kid: string, now: number, policy: KeyPolicy): KeyPlan {
  if (keys.some((k) => k.kid === kid)) return { supersede: [] };
  const others = keys.filter((k) => k.kid !== kid);
  const activateAt = activationTime(others, now, policy);
  return { create: { activateAt }, supersede: supersede(others, now, activateAt, policy) };
}

/**
 * retirementExtension returns a later retireAt for a replaced key that this
 * process still signs with after its successor took over (it cannot use the
 * successor), covering tokens signed until now + aheadMs (the time until the
 * next check); undefined when no extension is needed. Before
 * notAfterSigning the key's retireAt already covers it: the switch is ahead.
 */
export function retirementExtension(key: KeyRecord, now: number, aheadMs: number, policy: KeyPolicy): number | undefined {
  if (key.retireAt === null || key.notAfterSigning === null || now < key.notAfterSigning) return undefined;
  const needed = now + aheadMs + policy.accessTtlMs + policy.retireMarginMs;
  return key.retireAt < needed ? needed : undefined;
}

/** retiredKeys are the keys whose retirement time has passed: safe to delete. */
export function retiredKeys(keys: readonly KeyRecord[], now: number): KeyRecord[] {
  return keys.filter((k) => !isPublished(k, now));
}
