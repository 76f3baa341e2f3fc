import { lazy } from "react";
import type { PageRoute } from "../../routes";

const routes: PageRoute[] = [
  { path: "/templates/international", label: { zh: "国际|港澳台短信模板", en: "International templates" },
    audience: "customer", group: "templates", order: 210, page: lazy(() => import("./InternationalPage")) },
  { path: "/templates/domestic", label: { zh: "国内短信模板", en: "Domestic templates" },
    audience: "customer", group: "templates", order: 220, page: lazy(() => import("./DomesticPage")) },
];
export default routes;
