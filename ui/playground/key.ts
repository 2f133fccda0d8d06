// The API key lives in localStorage, on this browser only; the page sends it as X-API-Key. Where storage is
// disabled (some private modes) it lasts until the page is closed.
const STORAGE_KEY = "claudegate.apiKey";
let memory = "";

export function getKey(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? memory;
  } catch {
    return memory;
  }
}

export function setKey(key: string): void {
  memory = key;
  try {
    if (key) localStorage.setItem(STORAGE_KEY, key);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    /* storage disabled: `memory` keeps it */
  }
}
