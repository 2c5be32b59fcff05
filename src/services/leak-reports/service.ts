import { createHash } from 'node:crypto';
import { KeywardError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { hashKey } from '../../core/key-format.js';
import type { LeakedKeyMatch } from '../../storage/store.js';
import { auditEntry } from '../audit.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import { changeKey, keyResources } from '../keys/change.js';
import { parseReport, type ReportedToken } from './report.js';
import { LeakReportSigners } from './signature.js';

/** A report with the same body within this long is a replay, refused whichever node it reaches (record 0018). */
export const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The protocol's answer for one reported match: the token's SHA-256 (hex), never the token itself. */
export interface LeakFeedback {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export interface LeakReportSettings {
  /** KEYWARD_LEAK_REPORT_KEYS: key identifier -> PEM. */
  keys: Readonly<Record<string, string>>;
  /** KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE, per signing key. */
  tokensPerMinute: number;
}

/** A report as it arrived: its raw body (the signature covers these bytes) and the headers that sign it. */
export interface ReceivedReport {
  body: Buffer;
  keyIdentifier: string | undefined;
  signature: string | undefined;
  requestId: string;
  sourceIp: string | null;
  userAgent: string | null;
}

/**
 * Receives leak reports in GitHub's secret-scanning partner protocol (docs/operations.md, "Leak reports"): checks the
 * signature, refuses a replay and a flood, then finds each reported token by hash in every workspace and records the
 * leak against each key found, disabling the key when its API's `leakPolicy` is "disable". The reporter learns only
 * the protocol's label per token: nothing of the workspace, key or policy it hit.
 */
export class LeakReportService {
  private readonly signers: LeakReportSigners;

  constructor(
    private readonly deps: Pick<ServiceDeps, 'store' | 'clock' | 'bus' | 'limiter' | 'logger'>,
    private readonly settings: LeakReportSettings,
  ) {
    this.signers = new LeakReportSigners(settings.keys);
  }

  async receive(report: ReceivedReport): Promise<LeakFeedback[]> {
    const reporter = this.signers.check(report.keyIdentifier, report.signature, report.body);
    const tokens = parseReport(report.body);
    await this.admit(reporter, tokens.length);
    const now = this.deps.clock.now();
    // Over the body, not the signature: an ECDSA signature has a second valid form (s and n - s), so a replay could
    // dodge a digest of the signature; the same matches sent again are the same report, however they are signed.
    const digest = createHash('sha256').update(report.body).digest('hex');
    await this.deps.store.pruneLeakReports(now - REPLAY_WINDOW_MS);
    if (!(await this.deps.store.claimLeakReport(digest, now))) {
      throw new KeywardError('leak_report_replayed', 'This report was received already; its leaks were recorded then.');
    }
    try {
      return await this.handle(report, reporter, tokens);
    } catch (error) {
      // Nothing or only part was recorded: the reporter's retry must be handled, not refused as a replay.
      await this.deps.store.releaseLeakReport(digest).catch(() => undefined);
      throw error;
    }
  }

  private async handle(report: ReceivedReport, reporter: string, tokens: ReportedToken[]): Promise<LeakFeedback[]> {
    const found = new Map<string, boolean>();
    const feedback: LeakFeedback[] = [];
    for (const reported of tokens) {
      const hash = hashKey(reported.token);
      let leaked = found.get(hash);
      if (leaked === undefined) {
        leaked = await this.recordLeaks(await this.deps.store.findLeakedKeys(hash), reported, reporter, report);
        found.set(hash, leaked);
      }
      feedback.push({
        token_hash: createHash('sha256').update(reported.token).digest('hex'),
        token_type: reported.type,
        label: leaked ? 'true_positive' : 'false_positive',
      });
    }
    return feedback;
  }

  /** Records the leak against each key found, each in its own workspace's transaction; whether any was still there. */
  private async recordLeaks(
    matches: LeakedKeyMatch[],
    reported: ReportedToken,
    reporter: string,
    report: ReceivedReport,
  ): Promise<boolean> {
    let recorded = false;
    for (const match of matches) {
      const ctx: RequestContext = {
        workspaceId: match.workspaceId,
        actor: { type: 'system', id: reporter, name: 'leak report' },
        permissions: new Set(),
        requestId: report.requestId,
        sourceIp: report.sourceIp,
        userAgent: report.userAgent,
      };
      try {
        // The path keys.updateKey takes: the key's row locked, the change logged, every node's cache told after commit.
        await changeKey(
          this.deps,
          ctx,
          match.keyId,
          () => undefined,
          async (tx, key, now) => {
            const api = await tx.findApi(ctx.workspaceId, key.apiId);
            const action = api?.leakPolicy === 'report' ? 'reported' : 'disabled';
            if (action === 'disabled' && key.enabled) await tx.updateKey(key.id, { enabled: false }, now);
            await tx.insertKeyLeak({
              id: newId('leak', now),
              workspaceId: ctx.workspaceId,
              keyId: key.id,
              reportedAt: now,
              reporter,
              tokenType: reported.type,
              url: reported.url,
              source: reported.source,
              action,
            });
            const where = reported.url ? ` at ${reported.url}` : '';
            const outcome = action === 'disabled' ? 'disabled it' : 'recorded only (leakPolicy "report")';
            await tx.appendAudit(
              auditEntry(ctx, now, 'key.leaked', `Key ${key.id} reported leaked (${reported.type})${where}; ${outcome}`, keyResources(key)),
            );
          },
        );
        recorded = true;
      } catch (error) {
        // Deleted since the lookup: nothing left to protect.
        if (!(error instanceof KeywardError && error.code === 'key_not_found')) throw error;
      }
    }
    return recorded;
  }

  /** The signing key's tokens per minute; a limiter that fails admits the report, since a leak not handled is worse. */
  private async admit(reporter: string, tokens: number): Promise<void> {
    const now = this.deps.clock.now();
    let decision: { success: boolean; reset: number } | undefined;
    try {
      [decision] = await this.deps.limiter.check(
        [{ key: `leak-reports:${reporter}`, limit: this.settings.tokensPerMinute, duration: 60_000, cost: tokens }],
        now,
      );
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'The rate limiter failed; the leak report is handled unlimited');
      return;
    }
    if (decision && !decision.success) {
      const retryAfter = Math.max(1, Math.ceil((decision.reset - now) / 1000));
      throw new KeywardError(
        'leak_reports_rate_limited',
        `Reports signed by this key named more than ${this.settings.tokensPerMinute} tokens in a minute; try again in ${retryAfter} seconds.`,
        [],
        { 'Retry-After': String(retryAfter) },
      );
    }
  }
}
