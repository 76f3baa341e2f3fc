import { BarChartOutlined, FileSearchOutlined } from "@ant-design/icons";
import { lazy } from "react";
import type { PageRoute } from "../../routes";

const routes: PageRoute[] = [
  { path: "/logs", label: { zh: "日志查询", en: "Message log" }, audience: "customer", group: "logs",
    icon: <FileSearchOutlined />, order: 310, page: lazy(() => import("./LogsPage")) },
  { path: "/logs/reports", label: { zh: "报告下载", en: "Reports" }, audience: "customer", group: "logs",
    icon: <BarChartOutlined />, order: 320, page: lazy(() => import("./ReportsPage")) },
];
export default routes;
