import { assert } from '../base/assert';

/**
 * The set of operations linearized so far, as a bitset with two incrementally maintained
 * 32-bit hashes (the XOR of per-operation random words, so lifting and unlifting an operation
 * are O(1)), and the two numbers that let a copy be stored compactly: the count of leading
 * all-ones words and the index of the highest non-zero word. Operations are numbered in call
 * order and the search linearizes roughly in that order, so the set is "a full prefix plus a
 * few operations near the frontier": storing only the words in between keeps memo entries small
 * even for histories of 100 000 operations.
 */
export class LinearizedSet {
  readonly words: Int32Array;
  hash1 = 0;
  hash2 = 0;
  /** Words 0 … fullWordCount-1 are all ones. */
  fullWordCount = 0;
  /** The highest word with a bit set, -1 when empty. */
  highWordIndex = -1;

  constructor(
    readonly operationCount: number,
    private readonly randomWords1: Int32Array,
    private readonly randomWords2: Int32Array,
  ) {
    assert(randomWords1.length >= operationCount && randomWords2.length >= operationCount, 'LinearizedSet: a random word per operation');
    this.words = new Int32Array((operationCount + 31) >>> 5);
  }

  has(operation: number): boolean {
    return (this.words[operation >>> 5]! & (1 << (operation & 31))) !== 0;
  }

  add(operation: number): void {
    const wordIndex = operation >>> 5;
    const words = this.words;
    assert((words[wordIndex]! & (1 << (operation & 31))) === 0, 'LinearizedSet.add: already linearized');
    words[wordIndex] = words[wordIndex]! | (1 << (operation & 31));
    this.hash1 ^= this.randomWords1[operation]!;
    this.hash2 ^= this.randomWords2[operation]!;
    if (wordIndex > this.highWordIndex) this.highWordIndex = wordIndex;
    if (wordIndex === this.fullWordCount) {
      let full = this.fullWordCount;
      while (full < words.length && words[full] === -1) full++;
      this.fullWordCount = full;
    }
  }

  remove(operation: number): void {
    const wordIndex = operation >>> 5;
    const words = this.words;
    assert((words[wordIndex]! & (1 << (operation & 31))) !== 0, 'LinearizedSet.remove: not linearized');
    words[wordIndex] = words[wordIndex]! & ~(1 << (operation & 31));
    this.hash1 ^= this.randomWords1[operation]!;
    this.hash2 ^= this.randomWords2[operation]!;
    if (wordIndex < this.fullWordCount) this.fullWordCount = wordIndex;
    if (wordIndex === this.highWordIndex) {
      let high = wordIndex;
      while (high >= 0 && words[high] === 0) high--;
      this.highWordIndex = high;
    }
  }

  /** Words stored for a copy: those between the full prefix and the highest set word. */
  tailLength(): number {
    return Math.max(0, this.highWordIndex - this.fullWordCount + 1);
  }
}

/**
 * Lowe's memoisation ("Testing for linearizability", 2017, §4: a configuration is the set of
 * linearized operations plus the state) as an open hash table over typed arrays. A key is
 * (hash1, hash2, state hash); a hit is confirmed by comparing the stored bitset words and the
 * states exactly, so a hash collision can never prune a configuration that was not seen.
 */
export class MemoTable<State> {
  private bucketHeads: Int32Array;
  private bucketMask: number;
  private entryHash1: Int32Array;
  private entryHash2: Int32Array;
  private entryStateHash: Int32Array;
  private entryFullWordCount: Int32Array;
  private entryTailStart: Int32Array;
  private entryTailLength: Int32Array;
  private entryNext: Int32Array;
  private readonly entryStates: State[] = [];
  private arena: Int32Array;
  private arenaLength = 0;
  entryCount = 0;

  constructor(private readonly equal: (left: State, right: State) => boolean) {
    const initialEntries = 1024;
    this.bucketHeads = new Int32Array(initialEntries * 2).fill(-1);
    this.bucketMask = initialEntries * 2 - 1;
    this.entryHash1 = new Int32Array(initialEntries);
    this.entryHash2 = new Int32Array(initialEntries);
    this.entryStateHash = new Int32Array(initialEntries);
    this.entryFullWordCount = new Int32Array(initialEntries);
    this.entryTailStart = new Int32Array(initialEntries);
    this.entryTailLength = new Int32Array(initialEntries);
    this.entryNext = new Int32Array(initialEntries);
    this.arena = new Int32Array(4096);
  }

  /** Bytes held, for the memory bound. */
  byteCount(): number {
    return this.entryHash1.length * 32 + this.bucketHeads.length * 4 + this.arena.length * 4;
  }

  /** True when (set, state) was stored before; otherwise stores it and returns false. */
  addIfAbsent(set: LinearizedSet, state: State, stateHash: number): boolean {
    const hash1 = set.hash1;
    const hash2 = set.hash2;
    const bucket = (hash1 ^ Math.imul(stateHash, 0x9e3779b1) ^ (hash2 >>> 7)) & this.bucketMask;
    const fullWordCount = set.fullWordCount;
    const tailLength = set.tailLength();
    const words = set.words;
    for (let entry = this.bucketHeads[bucket]!; entry !== -1; entry = this.entryNext[entry]!) {
      if (this.entryHash1[entry] !== hash1 || this.entryHash2[entry] !== hash2 || this.entryStateHash[entry] !== stateHash) continue;
      if (this.entryFullWordCount[entry] !== fullWordCount || this.entryTailLength[entry] !== tailLength) continue;
      const start = this.entryTailStart[entry]!;
      let same = true;
      for (let offset = 0; offset < tailLength; offset++) {
        if (this.arena[start + offset] !== words[fullWordCount + offset]) {
          same = false;
          break;
        }
      }
      if (same && this.equal(this.entryStates[entry]!, state)) return true;
    }
    this.store({ bucket, hash1, hash2, stateHash, fullWordCount, tailLength, words, state });
    return false;
  }

  private store(entry: {
    bucket: number;
    hash1: number;
    hash2: number;
    stateHash: number;
    fullWordCount: number;
    tailLength: number;
    words: Int32Array;
    state: State;
  }): void {
    if (this.entryCount === this.entryHash1.length) this.growEntries();
    if (this.arenaLength + entry.tailLength > this.arena.length) {
      const grown = new Int32Array(Math.max(this.arena.length * 2, this.arenaLength + entry.tailLength));
      grown.set(this.arena.subarray(0, this.arenaLength));
      this.arena = grown;
    }
    const index = this.entryCount++;
    this.entryHash1[index] = entry.hash1;
    this.entryHash2[index] = entry.hash2;
    this.entryStateHash[index] = entry.stateHash;
    this.entryFullWordCount[index] = entry.fullWordCount;
    this.entryTailStart[index] = this.arenaLength;
    this.entryTailLength[index] = entry.tailLength;
    this.arena.set(entry.words.subarray(entry.fullWordCount, entry.fullWordCount + entry.tailLength), this.arenaLength);
    this.arenaLength += entry.tailLength;
    this.entryStates[index] = entry.state;
    this.entryNext[index] = this.bucketHeads[entry.bucket]!;
    this.bucketHeads[entry.bucket] = index;
    if (this.entryCount * 2 > this.bucketHeads.length) this.rehash();
  }

  private growEntries(): void {
    const size = this.entryHash1.length * 2;
    const grow = (old: Int32Array): Int32Array => {
      const grown = new Int32Array(size);
      grown.set(old);
      return grown;
    };
    this.entryHash1 = grow(this.entryHash1);
    this.entryHash2 = grow(this.entryHash2);
    this.entryStateHash = grow(this.entryStateHash);
    this.entryFullWordCount = grow(this.entryFullWordCount);
    this.entryTailStart = grow(this.entryTailStart);
    this.entryTailLength = grow(this.entryTailLength);
    this.entryNext = grow(this.entryNext);
  }

  private rehash(): void {
    const bucketCount = this.bucketHeads.length * 2;
    this.bucketHeads = new Int32Array(bucketCount).fill(-1);
    this.bucketMask = bucketCount - 1;
    for (let entry = 0; entry < this.entryCount; entry++) {
      const bucket = (this.entryHash1[entry]! ^ Math.imul(this.entryStateHash[entry]!, 0x9e3779b1) ^ (this.entryHash2[entry]! >>> 7)) & this.bucketMask;
      this.entryNext[entry] = this.bucketHeads[bucket]!;
      this.bucketHeads[bucket] = entry;
    }
  }
}
