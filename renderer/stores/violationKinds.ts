/** The summary's violation counts (ARCHITECTURE §11), named the same on every screen, the CLI and the report: one definition, in src/checker. */
export { violationCounts as violationLabels } from '../../src/contract/violations';
