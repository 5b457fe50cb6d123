// Browser mode's WebSocket, fed by hand-made frames over a raw TCP socket (issue 13, item 3):
// messages that are JSON but not a call (`null` killed the server), frames `ws` refuses
// (reserved bits, over the size cap, bad UTF-8, unmasked: no `error` listener killed it), and
// generated frames. Each case asserts the answer or the close code, then that the server still serves.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageBytesMax } from '../../main/service/webServer';
import { frame, labServerForFile, sendFrames, stillServing, textFrame } from './serverHarness';

let casesTried = 0;
const lab = labServerForFile(() => console.info(`websocket.test.ts: ${casesTried} adversarial frame sequences`));

const send = (frames: Buffer[], waitMs?: number, messagesExpected?: number) => {
  casesTried++;
  return sendFrames(lab.server.port, lab.server.token, frames, waitMs, messagesExpected);
};

describe('a text message that is not a call is answered, naming why', () => {
  it.each([
    ['null', 'message must be an object {id, call, payload}'],
    ['[]', 'message must be an object {id, call, payload}'],
    ['1', 'message must be an object {id, call, payload}'],
    ['"listPresets"', 'message must be an object {id, call, payload}'],
    ['true', 'message must be an object {id, call, payload}'],
    ['nul', 'message is not JSON'],
    ['', 'message is not JSON'],
    ['{}', 'unknown call (none)'],
    ['{"id":3,"call":"__proto__"}', 'unknown call "__proto__"'],
    ['{"id":4,"call":"constructor"}', 'unknown call "constructor"'],
    ['{"id":5,"call":{"toString":1}}', 'unknown call of type object'],
    ['{"id":6,"call":"runState","payload":null}', 'runState: invalid payload'],
    ['{"id":7,"call":"runState"}', 'runState: invalid payload'],
  ])('%s', async (text, error) => {
    // One answer, then a short wait: a close after it would show.
    const outcome = await send([textFrame(text), textFrame('{"id":99,"call":"runState","payload":{"runId":"run-424242"}}')], 400, 2);
    expect(outcome.upgraded).toBe(true);
    expect(outcome.closeCode).toBeNull();
    expect(outcome.messages).toEqual([expect.objectContaining({ ok: false, error: expect.stringContaining(error) }), expect.objectContaining({ id: 99, error: expect.stringContaining('no run') })]);
    await stillServing(lab.server.port, lab.server.token);
  });

  it('a binary message is answered: the lab speaks JSON text', async () => {
    const outcome = await send([frame({ opcode: 2, payload: Buffer.from('{"id":1,"call":"listPresets","payload":{}}') })], 400, 1);
    expect(outcome.messages).toEqual([{ id: null, ok: false, error: 'messages must be JSON text, not binary' }]);
  });

  it('an id that is not a whole number is answered with id null', async () => {
    const outcome = await send([textFrame('{"id":"7","call":"runState","payload":{"runId":"run-424242"}}'), textFrame('{"id":1.5,"call":"runState","payload":{"runId":"run-424242"}}')], 400, 2);
    expect(outcome.messages).toEqual([expect.objectContaining({ id: null, ok: false }), expect.objectContaining({ id: null, ok: false })]);
  });

  it('more calls at once than a connection may have going are refused, each answered', async () => {
    const calls = Array.from({ length: 100 }, (_, index) => textFrame(JSON.stringify({ id: index, call: 'runState', payload: { runId: 'run-424242' } })));
    const outcome = await send(calls, 2000, 100);
    expect(outcome.messages).toHaveLength(100);
    const answers = outcome.messages as Array<{ id: number; error: string }>;
    expect(answers.some((answer) => answer.error.includes('too many calls at once (64)'))).toBe(true);
    expect(answers.filter((answer) => answer.error.includes('no run run-424242')).length).toBeGreaterThanOrEqual(64);
    await stillServing(lab.server.port, lab.server.token);
  });
});

describe('a frame ws refuses closes that socket with its code, never the server', () => {
  it.each([
    ['RSV1 set (no extension was agreed)', () => [textFrame('{}', { rsv: 4 })], 1002],
    ['RSV2 set', () => [textFrame('{}', { rsv: 2 })], 1002],
    ['RSV3 set', () => [textFrame('{}', { rsv: 1 })], 1002],
    ['over the size cap (header only)', () => [frame({ opcode: 1, claimedLength: messageBytesMax + 1 })], 1009],
    ['a 2^53 length', () => [frame({ opcode: 1, claimedLength: 2 ** 53 })], 1009],
    ['invalid UTF-8 in a text frame', () => [frame({ opcode: 1, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) })], 1007],
    ['an unmasked client frame', () => [textFrame('{}', { mask: false })], 1002],
    ['a reserved opcode', () => [frame({ opcode: 3, payload: Buffer.from('x') })], 1002],
    ['a fragmented ping', () => [frame({ opcode: 9, fin: false })], 1002],
    ['a continuation with nothing to continue', () => [frame({ opcode: 0, payload: Buffer.from('x') })], 1002],
    ['a new message inside a fragmented one', () => [textFrame('{', { fin: false }), textFrame('}')], 1002],
    ['a ping over 125 bytes', () => [frame({ opcode: 9, payload: Buffer.alloc(200) })], 1002],
    ['a close with an invalid code', () => [frame({ opcode: 8, payload: Buffer.from([0x03, 0xe7]) })], 1002],
  ] as Array<[string, () => Buffer[], number]>)('%s', async (_what, frames, code) => {
    const outcome = await send(frames());
    expect(outcome.upgraded).toBe(true);
    expect(outcome.closeCode).toBe(code);
    await stillServing(lab.server.port, lab.server.token);
  });

  it('a fragmented message over the size cap in total is refused (1009)', async () => {
    const piece = Buffer.alloc(1024 * 1024, 0x20);
    // Claimed lengths only: the first fragment is whole, the second claims the rest of the cap.
    const outcome = await send([frame({ opcode: 1, fin: false, payload: piece }), frame({ opcode: 0, claimedLength: messageBytesMax })]);
    expect(outcome.closeCode).toBe(1009);
    await stillServing(lab.server.port, lab.server.token);
  });
});

describe('generated frames', () => {
  const textPayload = fc.oneof(
    fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
    fc.record({ id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)), call: fc.oneof(fc.constantFrom('runState', 'nodeAction', 'listPresets', 'heal', 'toString', 'hasOwnProperty'), fc.string()), payload: fc.jsonValue() }).map((message) => JSON.stringify(message)),
    fc.string(),
  );
  const generatedFrame = fc.record({
    fin: fc.boolean(),
    rsv: fc.integer({ min: 0, max: 7 }),
    opcode: fc.integer({ min: 0, max: 15 }),
    mask: fc.boolean(),
    payload: fc.oneof(textPayload.map((text) => Buffer.from(text, 'utf8')), fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes))),
  });

  it('any sequence of frames is answered, refused with a close code, or left waiting; the server serves on', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(generatedFrame, { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 40 }), async (frames, trailingBytes) => {
        const outcome = await send([...frames.map((spec) => frame(spec)), Buffer.from(trailingBytes)], 120);
        expect(outcome.upgraded).toBe(true);
        for (const message of outcome.messages) expect(message).toMatchObject({ ok: expect.any(Boolean) });
        if (outcome.closeCode !== null) expect([1000, 1002, 1005, 1007, 1009]).toContain(outcome.closeCode);
      }),
      { numRuns: 300 },
    );
    await stillServing(lab.server.port, lab.server.token);
  });

  it('well-formed text frames of any JSON are each answered exactly once, and never close the socket', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(textPayload, { minLength: 1, maxLength: 5 }), async (texts) => {
        const outcome = await send(texts.map((text) => textFrame(text)), 1000, texts.length);
        expect(outcome.closeCode).toBeNull();
        expect(outcome.messages).toHaveLength(texts.length);
      }),
      { numRuns: 200 },
    );
    await stillServing(lab.server.port, lab.server.token);
  });
});
