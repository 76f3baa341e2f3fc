import { useEffect, useState } from "react";
import { api, ApiError } from "../../api/client";

/** "Send code" with the 60 s wait the API enforces: the countdown starts when a code is sent,
 * or from the API's Retry-After when it refuses a resend. */
export function useCodeButton(purpose: "login" | "reset_password") {
  const [wait, setWait] = useState(0);
  const [sending, setSending] = useState(false);
  useEffect(() => {
    if (wait <= 0) return undefined;
    const timer = window.setTimeout(() => setWait((w) => w - 1), 1000);
    return () => window.clearTimeout(timer);
  }, [wait]);

  async function send(login: string): Promise<void> {
    setSending(true);
    try {
      await api.anonymous("/v1/auth/codes", { login, purpose });
      setWait(60);
    } catch (error) {
      if (error instanceof ApiError && error.retryAfter) setWait(error.retryAfter);
      throw error;
    } finally {
      setSending(false);
    }
  }
  return { wait, sending, send };
}
