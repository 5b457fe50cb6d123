import type { RecordInput, RecordOutput, Value } from '../../history/formats/record';
import type { Model } from '../model';
import { kvModel, kvSingleMapModel } from './kv';
import { registerModel, type RegisterSemantics } from './register';

export { kvModel, kvSingleMapModel } from './kv';
export { registerModel, type RegisterSemantics, type RegisterModelOptions } from './register';

/** Every model the CLI and the app can name. */
export const modelNames = ['cas-register', 'register', 'kv', 'kv-single-map', 'kv-cas-register'] as const;
export type ModelName = (typeof modelNames)[number];

/** A model over history records that can say which operations it understands. */
export type RecordModel = Model<unknown, RecordInput, RecordOutput> & { accepts(input: RecordInput): boolean };

export interface ModelChoice {
  readonly name: ModelName;
  /** Registers' initial value (ignored by the kv models, which start at ""). */
  readonly initial: Value;
  /** How nil reads and failures are read (registers only; see RegisterSemantics). */
  readonly semantics: RegisterSemantics;
}

/** The model a name stands for. `kv-cas-register` is the lab's: per key, lab semantics. */
export function createModel(choice: ModelChoice): RecordModel {
  switch (choice.name) {
    case 'cas-register':
    case 'register':
      return registerModel({ name: choice.name, initial: choice.initial, semantics: choice.semantics }) as RecordModel;
    case 'kv-cas-register':
      return registerModel({ name: choice.name, initial: choice.initial, semantics: 'lab' }) as RecordModel;
    case 'kv':
      return kvModel() as RecordModel;
    case 'kv-single-map':
      return kvSingleMapModel() as RecordModel;
  }
}
