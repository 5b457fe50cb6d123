/**
 * The violation counts' names and the per-key explanation of the oracle's findings, for the
 * renderer (ARCHITECTURE §3: it reaches the lab through src/contract). Defined once in src/checker.
 */
export { countedViolations, oracleKinds, violationCount, violationCounts, type ViolationCountDefinition } from '../checker/violationKinds';
export type { FindingGroup, FindingReason, KeyExplanation, KeyVerdict } from '../checker/explainFindings';
