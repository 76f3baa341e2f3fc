import { lazy } from "react";
import type { PageRoute } from "../../routes";

const routes: PageRoute[] = [
  { path: "/apps", label: { zh: "应用列表", en: "Applications" }, audience: "customer", group: "apps", order: 600,
    page: lazy(() => import("./AppsPage")) },
  { path: "/apps/audit", label: { zh: "审计日志", en: "Audit log" }, audience: "customer", group: "apps", order: 610,
    page: lazy(() => import("./AuditPage")) },
];
export default routes;
