export { decode, decodeEntry, encode, type Codec, type Entry, type RawEntry } from './codec.js';
export { cmp, op, type Compare, type Op } from './writes.js';
export { memorySnapshot, type Snapshot } from './snapshot.js';
export {
  idle,
  type Decision,
  type DecisionSeverity,
  type Reaction,
  type Reactor,
  type TickInput,
} from './reaction.js';
