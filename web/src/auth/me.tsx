// Who is signed in (GET /v1/me), for every page: role (the menu depends on it), account,
// time zone and balance. Signing out closes the session on the server and forgets the tokens.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client";
import { session, type Tokens } from "../api/session";
import { applyUserLang } from "../i18n";

export interface User {
  id: string;
  account_id: string;
  email: string;
  phone?: string | null;
  name: string;
  role: "owner" | "member" | "operator";
  status: string;
  created_at: string;
}

export interface Account {
  id: string;
  name: string;
  timezone: string;
  currency: string;
  status: string;
  created_at: string;
  balance?: string;
}

export interface Me {
  user: User;
  role: User["role"];
  account: Account;
  balance: string;
  currency: string;
  timezone: string;
}

interface MeState {
  me: Me | null;
  loading: boolean;
  reload: () => Promise<void>;
  signIn: (tokens: Tokens) => Promise<void>;
  signOut: () => Promise<void>;
}

const MeContext = createContext<MeState | null>(null);

export const isOperator = (me: Me | null) => me?.role === "operator";

export function MeProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);

  const reload = useCallback(async () => {
    if (!session.accessToken() && !(await session.refresh())) {
      setMe(null);
      return;
    }
    try {
      const next = await api.get<Me>("/v1/me");
      await applyUserLang(next.user.id);
      setMe(next);
    } catch {
      setMe(null);
    }
  }, []);

  useEffect(() => {
    void reload().finally(() => setLoading(false));
    // A refresh that fails anywhere (an expired or revoked session) signs the user out here.
    return session.subscribe(() => {
      if (!session.accessToken()) setMe(null);
    });
  }, [reload]);

  const signIn = useCallback(async (tokens: Tokens) => {
    session.store(tokens);
    await reload();
  }, [reload]);

  // The server closes the session first (its refresh token would otherwise stay valid for
  // whoever holds a copy); the browser forgets the tokens whether or not that call succeeds.
  const signOut = useCallback(async () => {
    if (session.accessToken()) await api.post("/v1/auth/logout").catch(() => undefined);
    void applyUserLang(null);
    session.expire();
    setMe(null);
  }, []);

  return <MeContext.Provider value={{ me, loading, reload, signIn, signOut }}>{children}</MeContext.Provider>;
}

export function useSession(): MeState {
  const state = useContext(MeContext);
  if (!state) throw new Error("useSession outside MeProvider");
  return state;
}

/** The signed-in user; pages inside the shell only. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error("useMe without a signed-in user");
  return me;
}

/** The account's time zone: every time is shown and entered in it. */
export function useZone(): string {
  return useMe().timezone || "Asia/Shanghai";
}
