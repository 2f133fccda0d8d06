// Reads a JSON request body with a hard size cap, without buffering more than the cap.
import { isError, type H3Event } from "h3";
import { httpError } from "./errors";

export const MAX_BODY_BYTES = 1024 * 1024;

/** The parsed body and its text (for members that must be kept exactly as sent). */
export async function readJsonBody(
  event: H3Event,
  limit = MAX_BODY_BYTES,
  opts: { allowEmpty?: boolean } = {},
): Promise<{ value: unknown; text: string }> {
  const text = (await readBodyBytes(event, limit)).toString("utf8");
  if (opts.allowEmpty && text.trim() === "") return { value: undefined, text };
  try {
    return { value: JSON.parse(text), text };
  } catch {
    throw httpError(400, "invalid JSON body");
  }
}

/** The raw body, refused with a 413 (`tooLarge`) past `limit` bytes without buffering more than that. */
export async function readBodyBytes(event: H3Event, limit: number, tooLarge = `request body must be at most ${limit} bytes`): Promise<Buffer> {
  const req = event.node.req;
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw httpError(413, tooLarge);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        req.resume(); // drain the rest so the 413 can be written on this connection
        throw httpError(413, tooLarge);
      }
      parts.push(chunk);
    }
  } catch (err) {
    if (isError(err)) throw err;
    // The body never ended: the client went away mid-body, or broke the chunked framing (Node has already
    // answered that 400 and closed). Nobody is left to answer, but this is the client's doing, not a 500.
    throw httpError(400, "request body was not complete");
  }
  return Buffer.concat(parts);
}

/** A body that must be a JSON object, else 400 `invalid JSON body`; with `allowEmpty` an empty body reads as `{}`. */
export async function readJsonObject(event: H3Event, opts: { allowEmpty?: boolean } = {}): Promise<object> {
  const { value } = await readJsonBody(event, MAX_BODY_BYTES, opts);
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw httpError(400, "invalid JSON body");
  return value;
}
