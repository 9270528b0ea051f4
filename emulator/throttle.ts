/** Tolerance for the float sums of a fractional rate (0.1 per second added up ten times). */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (emulator clock, epoch ms). */
  at: number;
}

/**
 * A token bucket per API key, on the emulator's clock: each request takes a token, tokens come
 * back at `perSecond`, and a bucket holds at most `size`. A key seen for the first time starts
 * with a full bucket.
 */
export class TokenBuckets {
  private buckets = new Map<string, Bucket>();

  /** Takes a token for `key`; when there is none, the whole seconds until the next one. */
  take(
    key: string,
    now: number,
    perSecond: number,
    size: number,
  ): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const bucket = this.buckets.get(key) ?? { tokens: size, at: now };
    bucket.tokens = Math.min(
      size,
      bucket.tokens + (Math.max(0, now - bucket.at) * perSecond) / 1000,
    );
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1 - EPSILON) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return { allowed: true };
    }
    const waitSeconds = (1 - bucket.tokens) / perSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds - EPSILON)) };
  }

  /** Forgets every bucket: each key starts full again. */
  clear(): void {
    this.buckets.clear();
  }
}
