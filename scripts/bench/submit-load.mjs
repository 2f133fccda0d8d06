// The load P2 drives and O1 repeats with a scraper: autocannon POSTing one fixed job to `POST /api/v1/jobs`
// (or the bare server's stand-in) over SUBMIT_CONNECTIONS connections.
import autocannon from "autocannon";
import { API_KEY } from "./lib.mjs";

export const SUBMIT_CONNECTIONS = 10;
export const SUBMIT_BODY = JSON.stringify({ prompt: "Summarise the benchmark in one sentence." });

export function submitLoad(url, seconds) {
  return autocannon({
    url,
    method: "POST",
    connections: SUBMIT_CONNECTIONS,
    duration: seconds,
    headers: { "Content-Type": "application/json", "X-API-Key": API_KEY },
    body: SUBMIT_BODY,
  });
}
