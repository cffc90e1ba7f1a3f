export { isWireName, wireNameOf, wordOf } from './words.js';
