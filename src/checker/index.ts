export { checkLinearizability, CheckerInputError, type CheckOptions, type CheckResult, type CheckedOperation, type Counterexample, type CounterexampleOperation, type Verdict } from './linearizability';
export { checkerLimits } from './limits';
export { hashString, hashValue, illegal, type Model, type StepResult } from './model';
export { createModel, kvModel, kvSingleMapModel, modelNames, registerModel, type ModelChoice, type ModelName, type RecordModel, type RegisterSemantics } from './models';
export type { UnknownReason } from './search';
export { checkParsedHistory, type HistoryCheckChoice } from './checkHistory';
export { checkHistoryText, exitCodeOf, parseInitialValue, worstExitCode, type CheckReport, type CheckRequest } from './report';
