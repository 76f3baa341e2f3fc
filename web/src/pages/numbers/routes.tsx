import { lazy } from "react";
import type { PageRoute } from "../../routes";

// 号码管理: the customer's numbers, their purchase and applications (menu group "numbers"), and
// the operators' number rules, application review and registrations (group "opsNumbers").
const routes: PageRoute[] = [
  { path: "/numbers", label: { zh: "您的号码", en: "Your numbers" }, audience: "customer", group: "numbers",
    order: 700, page: lazy(() => import("./MyNumbersPage")) },
  { path: "/numbers/buy", label: { zh: "购买号码", en: "Buy numbers" }, audience: "customer", group: "numbers",
    order: 710, page: lazy(() => import("./BuyPage")) },
  { path: "/numbers/applications", label: { zh: "号码申请", en: "Number applications" }, audience: "customer",
    group: "numbers", order: 720, page: lazy(() => import("./ApplicationsPage")) },
  { path: "/ops/number-rules", label: { zh: "号码规则", en: "Number rules" }, audience: "operator", group: "opsNumbers",
    order: 1200, page: lazy(() => import("./NumberRulesPage")) },
  { path: "/ops/number-applications", label: { zh: "号码申请审核", en: "Number applications" }, audience: "operator",
    group: "opsNumbers", order: 1210, page: lazy(() => import("./ApplicationReviewPage")) },
  { path: "/ops/numbers/pending", label: { zh: "待登记号码", en: "Numbers to register" }, audience: "operator",
    group: "opsNumbers", order: 1220, page: lazy(() => import("./PendingNumbersPage")) },
];
export default routes;
