import { HomeOutlined } from "@ant-design/icons";
import { lazy } from "react";
import type { PageRoute } from "../../routes";

const routes: PageRoute[] = [
  { path: "/", label: { zh: "首页", en: "Home" }, audience: "customer", icon: <HomeOutlined />, order: 0,
    page: lazy(() => import("./HomePage")) },
];
export default routes;
