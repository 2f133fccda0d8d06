// Every error the API returns is {"error": "<message>"}. Handlers throw these; the error handler renders them.
import { STATUS_CODES } from "node:http";
import { createError, type H3Error } from "h3";

export function httpError(statusCode: number, message: string, headers?: Record<string, string>): H3Error {
  return createError({ statusCode, statusMessage: STATUS_CODES[statusCode], data: { error: message, headers } });
}
