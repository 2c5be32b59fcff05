import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signWebhook, verifyWebhook, WebhookVerificationError } from './standard-webhooks.js';

// The example of the Standard Webhooks reference libraries' tests: a secret, a message, and the signature they expect.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const EXPECTED = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const failure = (work: () => unknown): string => {
  try {
    work();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
  return 'accepted';
};

describe('Standard Webhooks signatures', () => {
  it("signs the reference libraries' example as they do, and verifies it within the tolerance", () => {
    const headers = signWebhook(SECRET, ID, TIMESTAMP, BODY);
    expect(headers).toEqual({ 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP), 'webhook-signature': EXPECTED });
    expect(verifyWebhook(SECRET, headers, BODY, { nowMs: TIMESTAMP * 1000 + 299_000 })).toEqual({ test: 2432232314 });
    // Header names in any case, several signatures of which one matches (a rotation).
    const mixed = { 'Webhook-Id': ID, 'WEBHOOK-TIMESTAMP': String(TIMESTAMP), 'webhook-signature': `v1,AAAA ${EXPECTED}` };
    expect(verifyWebhook(SECRET, mixed, BODY, { nowMs: TIMESTAMP * 1000 })).toEqual({ test: 2432232314 });
  });

  it('refuses a changed body, id or timestamp, another secret, a missing header, and a replay outside the tolerance', () => {
    const headers = signWebhook(SECRET, ID, TIMESTAMP, BODY);
    const at = { nowMs: TIMESTAMP * 1000 };
    expect(failure(() => verifyWebhook(SECRET, headers, '{"test": 2432232315}', at))).toBe('no_matching_signature');
    expect(failure(() => verifyWebhook(SECRET, { ...headers, 'webhook-id': 'msg_other' }, BODY, at))).toBe('no_matching_signature');
    expect(failure(() => verifyWebhook(SECRET, { ...headers, 'webhook-timestamp': String(TIMESTAMP + 1) }, BODY, at))).toBe(
      'no_matching_signature',
    );
    expect(failure(() => verifyWebhook(newWebhookSecret(), headers, BODY, at))).toBe('no_matching_signature');
    expect(failure(() => verifyWebhook(SECRET, { ...headers, 'webhook-signature': 'v2,abc' }, BODY, at))).toBe('no_matching_signature');
    expect(failure(() => verifyWebhook(SECRET, { 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP) }, BODY, at))).toBe(
      'missing_header',
    );
    expect(failure(() => verifyWebhook(SECRET, { ...headers, 'webhook-timestamp': 'soon' }, BODY, at))).toBe('invalid_timestamp');
    expect(failure(() => verifyWebhook(SECRET, headers, BODY, { nowMs: (TIMESTAMP + 301) * 1000 }))).toBe('timestamp_out_of_tolerance');
    expect(failure(() => verifyWebhook(SECRET, headers, BODY, { nowMs: (TIMESTAMP - 301) * 1000 }))).toBe('timestamp_out_of_tolerance');
    expect(failure(() => verifyWebhook('not-a-secret', headers, BODY, at))).toBe('invalid_secret');
  });

  it('makes a new secret of 32 random bytes each time', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
  });
});
