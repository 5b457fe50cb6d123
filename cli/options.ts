/** Bad input on the command line: the message names the problem; the exit code is 2. */
export class BadInput extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'BadInput';
  }
}

export function integerOption(name: string, text: string, min = 0): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new BadInput(`${name} must be a whole number ≥ ${min}, got "${text}"`);
  return value;
}
