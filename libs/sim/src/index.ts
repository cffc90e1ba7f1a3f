export { randomStream, type RandomStream } from './random.js';
export { createSlicer, defaultSliceMs, type Slicer } from './slices.js';
export { TimerWheel } from './timer-wheel.js';
