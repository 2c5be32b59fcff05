import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { KeywardError } from '../../core/errors.js';

/**
 * The signature of a leak report, as GitHub's secret-scanning partner protocol sends it: the header
 * `Github-Public-Key-Identifier` names the signing key, `Github-Public-Key-Signature` carries the base64 of the DER
 * ECDSA signature, P-256 with SHA-256, over the request body exactly as received (record 0018). Only keys the operator
 * configured (KEYWARD_LEAK_REPORT_KEYS) are trusted; they are never fetched.
 */
export class LeakReportSigners {
  private readonly keys: ReadonlyMap<string, KeyObject>;

  constructor(pems: Readonly<Record<string, string>>) {
    this.keys = new Map(Object.entries(pems).map(([identifier, pem]) => [identifier, createPublicKey(pem)]));
  }

  /** Throws leak_report_signature_invalid unless `signature` is a signature of `body` by the key `identifier` names. */
  check(identifier: string | undefined, signature: string | undefined, body: Buffer): string {
    if (!identifier || !signature) {
      throw refused('The report is not signed: send Github-Public-Key-Identifier and Github-Public-Key-Signature.');
    }
    const key = this.keys.get(identifier);
    // The same answer for an unknown key and a bad signature: a forger learns nothing about which keys are configured.
    if (!key || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw refused(BAD_SIGNATURE);
    let valid = false;
    try {
      valid = verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) throw refused(BAD_SIGNATURE);
    return identifier;
  }
}

const BAD_SIGNATURE = 'The report’s signature does not verify with a configured public key.';

const refused = (detail: string) => new KeywardError('leak_report_signature_invalid', detail);
