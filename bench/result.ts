/** One measure, printed as one JSON line (ARCHITECTURE §12). */
export interface BenchResult {
  readonly bench: string;
  readonly value: number;
  readonly unit: string;
  /** Measured in the same run on the same machine (or a documented reference figure). */
  readonly baseline?: number;
  readonly ratio?: number;
  readonly note?: string;
}
