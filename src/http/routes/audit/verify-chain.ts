import type { Static } from 'typebox';
import { AuditChainData, VerifyAuditChainBody } from '../../../contract/audit.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'audit.verifyChain',
  summary: "Check the workspace's audit chain",
  description:
    "Keyward extension. Recomputes the hash chain of the caller's workspace's audit records, as `keyward audit verify` " +
    'does, and answers how many records it checked, the last hash, and the first break if a record was changed, deleted ' +
    'or written past Keyward. Requires `audit.*.read_audit_log`.',
  body: VerifyAuditChainBody,
  data: AuditChainData,
  errors: [400, 401, 403, 500],
  async handle({ ctx, services }) {
    const report = await services.auditLog.verifyChain(ctx);
    const data: Static<typeof AuditChainData> = {
      checked: report.checked,
      headHash: report.headHash,
    };
    // The workspace id stays out: the caller knows its own, and the answer names nothing it did not ask about.
    if (report.broken) {
      const { recordId, reason } = report.broken;
      data.broken = recordId === null ? { reason } : { recordId, reason };
    }
    return { data };
  },
});
