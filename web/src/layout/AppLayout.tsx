// The console layout: a left menu of the user's audience (customers never see the operators'
// menu), a header with the account, balance, language switch and sign-out, the page beside.
import { LogoutOutlined, TranslationOutlined } from "@ant-design/icons";
import { Button, Layout, Menu, Space, Typography, type MenuProps } from "antd";
import { Suspense, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Outlet, useLocation, useNavigate } from "react-router-dom";
import { PageFallback } from "../App";
import { isOperator, useSession } from "../auth/me";
import { currentLang, setLang } from "../i18n";
import { GROUP_ICONS, ROUTES, routeLabel, type Audience } from "../routes";

type Item = Required<MenuProps>["items"][number];

export function menuItems(audience: Audience, t: (key: string) => string, lang: string): Item[] {
  const items: Item[] = [];
  const groups = new Map<string, Item[]>();
  for (const route of ROUTES) {
    if (route.audience !== audience || route.inMenu === false) continue;
    const item = { key: route.path, icon: route.icon, label: routeLabel(route, lang) };
    if (!route.group) {
      items.push(item);
      continue;
    }
    if (!groups.has(route.group)) {
      const children: Item[] = [];
      groups.set(route.group, children);
      items.push({ key: `group:${route.group}`, icon: GROUP_ICONS[route.group], label: t(`menu.${route.group}`), children });
    }
    groups.get(route.group)!.push(item);
  }
  return items;
}

/** The menu key for a path: the longest route path that is a prefix of it. */
function selectedKey(pathname: string, audience: Audience): string {
  const candidates = ROUTES.filter((r) => r.audience === audience && r.inMenu !== false)
    .map((r) => r.path)
    .filter((p) => pathname === p || (p !== "/" && pathname.startsWith(p + "/")));
  return candidates.sort((a, b) => b.length - a.length)[0] ?? pathname;
}

export function AppLayout() {
  const { t, i18n } = useTranslation();
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const audience: Audience = isOperator(me) ? "operator" : "customer";
  const items = useMemo(() => menuItems(audience, t, i18n.language), [audience, t, i18n.language]);
  const selected = selectedKey(pathname, audience);
  const openGroups = ROUTES.filter((r) => r.group && r.audience === audience).map((r) => `group:${r.group}`);

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <a href="#main" className="skip-link" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        {t("app.skip")}
      </a>
      <Layout.Sider width={232} theme="light" breakpoint="lg" collapsedWidth={0}>
        <div style={{ padding: "16px 20px", fontWeight: 600, fontSize: 16 }}>
          {audience === "operator" ? t("app.console") : t("app.name")}
        </div>
        <nav aria-label={audience === "operator" ? t("app.console") : t("app.name")}>
          <Menu mode="inline" items={items} selectedKeys={[selected]} defaultOpenKeys={[...new Set(openGroups)]}
            onClick={({ key }) => navigate(key)} data-testid={`menu-${audience}`} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: "#fff", padding: "0 24px", display: "flex", justifyContent: "flex-end" }}>
          <Space size="large">
            <Typography.Text>{me?.account?.name}</Typography.Text>
            {audience === "customer" && (
              <Typography.Text data-testid="header-balance">
                {t("app.balance")}: {me?.balance} {me?.currency}
              </Typography.Text>
            )}
            <Typography.Text>{me?.user.name || me?.user.email}</Typography.Text>
            <Button icon={<TranslationOutlined />} onClick={() => void setLang(currentLang() === "zh" ? "en" : "zh")}
              data-testid="switch-language" lang={currentLang() === "zh" ? "en" : "zh-CN"}>
              {t("app.language")}
            </Button>
            <Button icon={<LogoutOutlined />} onClick={() => void signOut().then(() => navigate("/login"))} data-testid="logout">
              {t("app.logout")}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content id="main" tabIndex={-1} style={{ margin: 24, outline: "none" }}>
          <main>
            <Suspense fallback={<PageFallback />}>
              <Outlet />
            </Suspense>
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
