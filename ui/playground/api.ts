// Talking to the gateway. Every URL is resolved against the page's own address, so the page works behind a
// reverse proxy that mounts the gateway under a path prefix (`https://host/claude/` → `/claude/api/v1/...`).
// The API's own links (`urls.stream`) are absolute paths from the gateway's root, so their leading slash is
// dropped and they are resolved the same way.
import { getKey } from "./key";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function apiUrl(path: string): string {
  return new URL(path.replace(/^\/+/, ""), document.baseURI).href;
}

/** A JSON call with the stored key. Errors become ApiError with the gateway's `error` message. */
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const key = getKey();
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(apiUrl(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "Cannot reach the gateway. Is it running?");
  }
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, describeError(res.status, data?.error ?? res.statusText));
  return data as T;
}

/** A call with the stored key whose body (sent or received) is bytes: workspace files. */
export async function apiBytes(method: "GET" | "PUT", path: string, body?: Blob): Promise<Blob> {
  const headers: Record<string, string> = {};
  const key = getKey();
  if (key) headers["X-API-Key"] = key;
  if (body) headers["Content-Type"] = "application/octet-stream";
  let res: Response;
  try {
    res = await fetch(apiUrl(path), { method, headers, body });
  } catch {
    throw new ApiError(0, "Cannot reach the gateway. Is it running?");
  }
  if (res.ok) return res.blob();
  const data = await res.json().catch(() => undefined);
  throw new ApiError(res.status, describeError(res.status, data?.error ?? res.statusText));
}

/** The gateway's message, made plain where a person needs to act on it. */
function describeError(status: number, message: string): string {
  if (status === 401 && message === "missing X-API-Key header") return "Enter your API key above to use the gateway.";
  if (status === 401) return `The gateway refused this API key (${message}). Check the key and save it again.`;
  if (status === 429) return "Too many submissions for this key: wait a moment and try again.";
  return message;
}

export const isAuthError = (err: unknown) => err instanceof ApiError && err.status === 401;
