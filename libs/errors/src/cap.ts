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

/**
 * `message`, whole when it fits in {@link errorMessageLimitBytes}; otherwise
 * its beginning (never splitting a character) followed by a mark that says
 * it was cut and how long it was: `… (cut: the message is 123,456 bytes)`.
 */
export function capMessage(message: string): string {
  const size = Buffer.byteLength(message, 'utf8');
  if (size <= errorMessageLimitBytes) return message;
  const mark = `… (cut: the message is ${size.toLocaleString('en')} bytes)`;
  const room = errorMessageLimitBytes - Buffer.byteLength(mark, 'utf8');
  // A cut inside a character decodes to U+FFFD: drop it.
  const head = Buffer.from(message, 'utf8')
    .subarray(0, room)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return `${head}${mark}`;
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
  if (Buffer.byteLength(JSON.stringify(details), 'utf8') <= errorDetailsLimitBytes) return details;
  const kept: Record<string, unknown> = {};
  const truncated: string[] = [];
  let room = errorDetailsLimitBytes / 2;
  for (const [key, value] of Object.entries(details)) {
    const size = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') + key.length;
    if (size <= keptEntryBytes && size <= room) {
      kept[key] = value;
      room -= size;
    } else if (truncated.length < 16) {
      truncated.push(key.length <= 64 ? key : `${key.slice(0, 64)}…`);
    }
  }
  return { ...kept, truncated };
}
