// The signed-in user's tokens. The access token lives in memory only; the refresh token is
// kept in localStorage so a reload (or a new tab) stays signed in until logout or expiry.
export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

const REFRESH_KEY = "jmc.refresh";
type Listener = () => void;

let access: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<Listener>();

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

async function exchange(refreshToken: string): Promise<boolean> {
  try {
    const response = await fetch("/v1/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    if (!response.ok) return false;
    session.store((await response.json()) as Tokens);
    return true;
  } catch {
    return false;
  }
}

export const session = {
  accessToken: (): string | null => access,
  hasRefresh: (): boolean => !!storage()?.getItem(REFRESH_KEY),

  store(tokens: Tokens): void {
    access = tokens.access_token;
    storage()?.setItem(REFRESH_KEY, tokens.refresh_token);
    listeners.forEach((listener) => listener());
  },

  /** One refresh at a time: concurrent 401s wait for the same exchange. */
  refresh(): Promise<boolean> {
    const token = storage()?.getItem(REFRESH_KEY);
    if (!token) return Promise.resolve(false);
    refreshing ??= exchange(token).finally(() => {
      refreshing = null;
    });
    return refreshing;
  },

  expire(): void {
    access = null;
    storage()?.removeItem(REFRESH_KEY);
    listeners.forEach((listener) => listener());
  },

  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
