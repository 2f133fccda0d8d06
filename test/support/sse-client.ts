// A plain SSE reader over fetch, with the control a test needs: stop after N events, resume with Last-Event-ID.
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface ReadOptions {
  headers?: Record<string, string>;
  /** Stop (abort the connection) once this returns true; checked after every event and comment. */
  until?: (events: EventSourceMessage[]) => boolean;
  onEvent?: (e: EventSourceMessage, events: EventSourceMessage[]) => void;
  /** Raw comment lines (": ping") are reported here. */
  onComment?: (comment: string) => void;
}

export async function readSse(url: string, opts: ReadOptions = {}): Promise<{ status: number; events: EventSourceMessage[] }> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: opts.headers, signal: ac.signal });
  const events: EventSourceMessage[] = [];
  if (res.status !== 200) return { status: res.status, events };
  let stop = false;
  const parser = createParser({
    onEvent: (e) => {
      if (stop) return;
      events.push(e);
      opts.onEvent?.(e, events);
      if (opts.until?.(events)) stop = true;
    },
    onComment: (c) => {
      opts.onComment?.(c);
      if (opts.until?.(events)) stop = true;
    },
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (stop) {
        ac.abort();
        break;
      }
    }
  } catch (err) {
    if (!stop) throw err;
  }
  return { status: res.status, events };
}
