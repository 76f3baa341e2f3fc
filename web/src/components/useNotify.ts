import { App } from "antd";
import { useCallback } from "react";
import { useTranslation } from "react-i18next";
import { errorText } from "../lib/errors";

/** `fail(error)` shows an API error in the current language; `done()` a success. */
export function useNotify() {
  const { message } = App.useApp();
  const { t } = useTranslation();
  const fail = useCallback((error: unknown) => {
    void message.error({ content: errorText(error, t), duration: 6 });
  }, [message, t]);
  const done = useCallback((text?: string) => {
    void message.success(text ?? t("done"));
  }, [message, t]);
  return { fail, done };
}
