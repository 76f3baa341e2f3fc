// The account's apps (锦木Key) for the blacklist pages: every page of GET /v1/apps, and the one
// chosen, remembered for the session so both blacklist pages work on the same key.
import { Alert, Button, Form, Select } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { getPage } from "../../api/client";
import { useNotify } from "../../components/useNotify";
import "./i18n";

export interface AppItem { id: string; name: string; app_key: string; status: string; created_at: string }

const KEY = "jmc.blacklist.app";

function remembered(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function useApps() {
  const { fail } = useNotify();
  const [apps, setApps] = useState<AppItem[] | null>(null);
  const [appId, setAppIdState] = useState<string | undefined>(remembered());

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const all: AppItem[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) { // 200 apps a page: 4,000 apps is far more than an account has
        const page = await getPage<AppItem>("/v1/apps", "apps", { limit: 200, cursor });
        all.push(...page.items);
        if (!page.next) break;
        cursor = page.next;
      }
      if (cancelled) return;
      setApps(all);
      setAppIdState((current) => (current && all.some((a) => a.id === current) ? current
        : (all.find((a) => a.status === "active") ?? all[0])?.id));
    })().catch((error) => { if (!cancelled) { setApps([]); fail(error); } });
    return () => { cancelled = true; };
  }, [fail]);

  function setAppId(id: string) {
    setAppIdState(id);
    try { sessionStorage.setItem(KEY, id); } catch { /* private mode */ }
  }

  return { apps, appId, setAppId };
}

export function appLabel(app: AppItem, disabledWord: string): string {
  return `${app.name} (${app.app_key})${app.status === "active" ? "" : ` · ${disabledWord}`}`;
}

/** The 锦木Key picker above a blacklist, or the way to Applications when there is none. */
export function AppBar({ state }: { state: ReturnType<typeof useApps> }) {
  const { t } = useTranslation("blacklist");
  const navigate = useNavigate();
  if (state.apps && state.apps.length === 0) {
    return <Alert type="info" showIcon message={t("noApps")} description={t("noAppsHelp")} style={{ marginBottom: 16 }}
      action={<Button onClick={() => navigate("/apps")}>{t("goApps")}</Button>} data-testid="blacklist-no-apps" />;
  }
  return (
    <Form layout="inline" style={{ marginBottom: 16 }}>
      <Form.Item label={t("app")} htmlFor="blacklist-app">
        <Select id="blacklist-app" style={{ width: 420 }} loading={state.apps === null} value={state.appId}
          placeholder={t("appPlaceholder")} onChange={state.setAppId} data-testid="blacklist-app" showSearch
          optionFilterProp="label"
          options={(state.apps ?? []).map((a) => ({ value: a.id, label: appLabel(a, t("disabledApp")) }))} />
      </Form.Item>
    </Form>
  );
}
