export { RepairsClient } from './repairs-client.js';
