export { randomStream, type RandomStream } from './random.js';
export { TimerWheel } from './timer-wheel.js';
