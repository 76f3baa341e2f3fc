import { lazy } from "react";
import type { PageRoute } from "../../routes";

const routes: PageRoute[] = [
  { path: "/blacklist/numbers", label: { zh: "根据手机号配置", en: "Blocked numbers" }, audience: "customer",
    group: "blacklist", order: 510, page: lazy(() => import("./NumbersPage")) },
  { path: "/blacklist/countries", label: { zh: "根据国家配置", en: "Blocked countries" }, audience: "customer",
    group: "blacklist", order: 520, page: lazy(() => import("./CountriesPage")) },
];
export default routes;
