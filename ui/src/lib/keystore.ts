// The user's API key lives in this tab's sessionStorage only: never in a URL, never in
// localStorage or a cookie, gone when the tab closes, and cleared on sign-out.

const KEY = "engram.apiKey";

export interface KeyStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

export function loadKey(storage: KeyStorage): string | null {
  const k = storage.getItem(KEY);
  return k && k.trim() !== "" ? k : null;
}

export function saveKey(storage: KeyStorage, key: string): void {
  storage.setItem(KEY, key.trim());
}

export function clearKey(storage: KeyStorage): void {
  storage.removeItem(KEY);
}
