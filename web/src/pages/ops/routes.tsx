import { AuditOutlined, TeamOutlined } from "@ant-design/icons";
import { lazy } from "react";
import type { PageRoute } from "../../routes";

// The operators' console. 账户管理 comes first: it is the operator's landing page (HOME).
const routes: PageRoute[] = [
  { path: "/ops/accounts", label: { zh: "账户管理", en: "Accounts" }, audience: "operator", icon: <TeamOutlined />,
    order: 1000, page: lazy(() => import("./AccountsPage")) },
  { path: "/ops/accounts/:id", label: { zh: "账户详情", en: "Account" }, audience: "operator", inMenu: false,
    order: 1010, page: lazy(() => import("./AccountDetailPage")) },
  { path: "/ops/prices", label: { zh: "价格管理", en: "Prices" }, audience: "operator", group: "opsPricing",
    order: 1100, page: lazy(() => import("./PricesPage")) },
  { path: "/ops/countries", label: { zh: "国家规则", en: "Country rules" }, audience: "operator", group: "opsPricing",
    order: 1110, page: lazy(() => import("./CountriesPage")) },
  { path: "/ops/templates", label: { zh: "模板审核", en: "Template review" }, audience: "operator", group: "opsReview",
    icon: <AuditOutlined />, order: 1300, page: lazy(() => import("./TemplateReviewPage")) },
];
export default routes;
