/**
 * The most an error message may weigh when it leaves a process, in UTF-8
 * bytes: a gRPC status message travels as an HTTP/2 trailer, percent-encoded
 * (up to 3 bytes per byte), and a trailer over the peer's header-list limit
 * (64 KiB in Node) never arrives: the call waits out its deadline, and so do
 * the other calls on that connection meanwhile. 8 KiB stays well under it
 * and is far more than a person reads.
 */
export const errorMessageLimitBytes = 8 * 1024;

/** The most the JSON of an error's details may weigh when it leaves a process, in UTF-8 bytes. */
export const errorDetailsLimitBytes = 8 * 1024;

/** An entry of the details kept whole when the details are cut (its JSON, in UTF-8 bytes). */
const keptEntryBytes = 512;

/** The UTF-8 length of one code point. */
function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * The length of `text` in UTF-8 bytes. Counted by hand: this package is
 * browser-safe, with neither Node's Buffer nor the DOM's TextEncoder.
 */
function byteLength(text: string): number {
  let size = 0;
  for (const char of text) size += utf8Length(char.codePointAt(0)!);
  return size;
}

/** The longest beginning of `text` that takes at most `bytes` UTF-8 bytes, never splitting a character. */
function headOf(text: string, bytes: number): string {
  let size = 0;
  let end = 0;
  for (const char of text) {
    size += utf8Length(char.codePointAt(0)!);
    if (size > bytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * `message`, whole when it fits in {@link errorMessageLimitBytes}; otherwise
 * its beginning (never splitting a character) followed by a mark that says
 * it was cut and how long it was: `… (cut: the message is 123,456 bytes)`.
 */
export function capMessage(message: string): string {
  const size = byteLength(message);
  if (size <= errorMessageLimitBytes) return message;
  const mark = `… (cut: the message is ${size.toLocaleString('en')} bytes)`;
  const room = errorMessageLimitBytes - byteLength(mark);
  return `${headOf(message, room)}${mark}`;
}

/**
 * `details`, whole when their JSON fits in {@link errorDetailsLimitBytes};
 * otherwise only the entries whose JSON is short (at most 512 bytes each,
 * such as `field`, `retryAfter`, `epoch`; half the limit in all), with
 * `truncated` naming (the first 16 of) the entries left out.
 */
export function capDetails(
  details: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  if (byteLength(JSON.stringify(details)) <= errorDetailsLimitBytes) return details;
  const kept: Record<string, unknown> = {};
  const truncated: string[] = [];
  let room = errorDetailsLimitBytes / 2;
  for (const [key, value] of Object.entries(details)) {
    const size = byteLength(JSON.stringify(value) ?? '') + key.length;
    if (size <= keptEntryBytes && size <= room) {
      kept[key] = value;
      room -= size;
    } else if (truncated.length < 16) {
      truncated.push(key.length <= 64 ? key : `${key.slice(0, 64)}…`);
    }
  }
  return { ...kept, truncated };
}
