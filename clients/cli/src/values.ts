import { usageError, type Parser } from './routes.js';

/**
 * A parser of whole numbers from `min` to `Number.MAX_SAFE_INTEGER`, written
 * in plain decimal digits (no sign, exponent or hex). Fails with a
 * {@link usageError} naming the argument and what it got.
 */
export function wholeNumber(min: number): Parser {
  return (text, label) => {
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min) {
      throw usageError(`${label} must be a whole number ≥ ${min}, got "${text}"`);
    }
    return value;
  };
}

/** A parser of finite decimal numbers above 0 (`10`, `0.5`). */
export const positiveNumber: Parser = (text, label) => {
  const value = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw usageError(`${label} must be a number above 0, got "${text}"`);
  }
  return value;
};

/** A parser that accepts exactly one of `choices`. */
export function oneOf(choices: readonly string[]): Parser {
  return (text, label) => {
    if (!choices.includes(text)) {
      throw usageError(`${label} must be one of ${choices.join(', ')}; got "${text}"`);
    }
    return text;
  };
}
