export { joinToy, type ToyOptions } from './fixtures/toy-participant.js';
