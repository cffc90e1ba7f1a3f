import { ChamberError, Code } from '@chamber/errors';
import { createInterface, type Interface } from 'node:readline';

/**
 * A secret reader over a process's stdin: on a terminal it prompts (on
 * `prompt`'s stream) and reads a line without echo — with `repeatPrompt`,
 * twice, failing with `InvalidArgument` when the two differ; otherwise it
 * reads the next line of stdin once, so `printf 'pw\n' | chamber login`
 * works. Rejects with `Cancelled` on Ctrl-C and `FailedPrecondition` when
 * stdin ends first. `close()` stops reading stdin.
 */
export function createSecretReader(
  stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean | undefined },
  promptTo: NodeJS.WritableStream,
): { read: (prompt: string, repeatPrompt?: string) => Promise<string>; close: () => void } {
  // Opened at the first read, so a tool that asks for nothing leaves stdin alone.
  let lines: Interface | undefined;
  let queue: AsyncIterator<string> | undefined;
  const nextLine = async (): Promise<string | undefined> => {
    lines ??= createInterface({ input: stdin, terminal: false });
    queue ??= lines[Symbol.asyncIterator]();
    const next = await queue.next();
    return next.done === true ? undefined : next.value;
  };
  const read = async (prompt: string, repeatPrompt?: string): Promise<string> => {
    if (stdin.isTTY) {
      const tty = stdin as NodeJS.ReadStream;
      const secret = await readHidden(tty, promptTo, prompt);
      if (repeatPrompt === undefined) return secret;
      if ((await readHidden(tty, promptTo, repeatPrompt)) !== secret) {
        throw new ChamberError(
          Code.InvalidArgument,
          `the ${what(prompt)} and its repetition differ; nothing was changed`,
        );
      }
      return secret;
    }
    const line = await nextLine();
    if (line === undefined) {
      throw new ChamberError(Code.FailedPrecondition, `stdin ended before the ${what(prompt)}`);
    }
    return line;
  };
  // Closing lets the process exit while stdin (a pipe) stays open.
  return { read, close: () => lines?.close() };
}

/** `new password: ` → `new password`. */
function what(prompt: string): string {
  return prompt.replace(/:\s*$/, '');
}

function readHidden(
  stdin: NodeJS.ReadStream,
  promptTo: NodeJS.WritableStream,
  prompt: string,
): Promise<string> {
  promptTo.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let text = '';
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      promptTo.write('\n');
      if (error === undefined) resolve(text);
      else reject(error);
    };
    function onData(chunk: string): void {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done();
        if (c === '\u0003') return done(new ChamberError(Code.Cancelled, 'cancelled'));
        if (c === '\u007f' || c === '\b') text = text.slice(0, -1);
        else text += c;
      }
    }
    stdin.on('data', onData);
  });
}
