import type { Command } from 'commander';

// Placeholder until the checker lands (issue 3): registers nothing.
export function registerCheckCommand(_program: Command): void {}
