// Every page of the portal, its menu place and who may see it. Each module declares its own
// pages in `pages/<module>/routes.tsx` (found here by import.meta.glob), so adding a module
// touches no shared file. Pages are lazy: each is its own chunk, fetched when first opened.
import {
  AppstoreOutlined, AuditOutlined, CloudDownloadOutlined, DollarOutlined, FileTextOutlined, GlobalOutlined,
  PhoneOutlined, ProfileOutlined, SendOutlined, StopOutlined, TeamOutlined,
} from "@ant-design/icons";
import type { ComponentType, LazyExoticComponent, ReactNode } from "react";

export type Audience = "customer" | "operator";

export interface PageRoute {
  path: string;
  /** the menu label and page title, in both languages */
  label: { zh: string; en: string };
  audience: Audience;
  /** the menu group (a key under `menu.` in i18n/common.ts), or none for a top-level item */
  group?: string;
  icon?: ReactNode;
  /** false for pages reached from another page (a detail), not from the menu */
  inMenu?: boolean;
  /** the menu position: customer pages 0–999, operator pages 1000–1999 (see docs/architecture.md) */
  order: number;
  page: LazyExoticComponent<ComponentType>;
}

export const GROUP_ICONS: Record<string, ReactNode> = {
  tasks: <SendOutlined />, templates: <FileTextOutlined />, logs: <ProfileOutlined />,
  downloads: <CloudDownloadOutlined />, blacklist: <StopOutlined />, apps: <AppstoreOutlined />,
  opsAccounts: <TeamOutlined />, opsPricing: <DollarOutlined />, opsSenders: <GlobalOutlined />,
  opsReview: <AuditOutlined />, numbers: <PhoneOutlined />, opsNumbers: <PhoneOutlined />,
};

const modules = import.meta.glob<{ default: PageRoute[] }>("./pages/*/routes.tsx", { eager: true });

export const ROUTES: PageRoute[] = Object.values(modules)
  .flatMap((module) => module.default)
  .sort((a, b) => a.order - b.order);

/** Where each audience lands: its first menu page. */
export const HOME: Record<Audience, string> = {
  customer: "/",
  operator: ROUTES.find((r) => r.audience === "operator" && r.inMenu !== false)?.path ?? "/ops/profile",
};

export function routeLabel(route: PageRoute, lang: string): string {
  return lang === "en" ? route.label.en : route.label.zh;
}
