import { type LabCallName, ContractError, labCalls } from '../../src/contract/lab';
import type { LabService } from '../service/labService';

/** What the IPC glue needs of Electron's ipcMain (a fake in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, payload: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

/** The part of an IPC event the sender check reads. */
export interface IpcEventLike {
  readonly senderFrame: unknown;
}

export { callChannel, eventChannel } from '../../src/contract/channels';
import { callChannel } from '../../src/contract/channels';

/**
 * Registers one handler per contract call, and nothing else: Electron answers any other channel
 * with an error. A handler refuses senders that are not the app's own main frame, then
 * validates the payload through the service (a bad one changes nothing).
 */
export function registerLabIpc(ipc: IpcMainLike, service: LabService, isTrustedFrame: (frame: unknown) => boolean): () => void {
  const names = Object.keys(labCalls) as LabCallName[];
  for (const name of names) {
    ipc.handle(callChannel(name), (event, payload) => {
      if (!isTrustedFrame(event.senderFrame)) throw new ContractError(`${name}: refused: the sender is not the app's own window`);
      return service.call(name, payload);
    });
  }
  return () => names.forEach((name) => ipc.removeHandler(callChannel(name)));
}
