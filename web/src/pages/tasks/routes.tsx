import { BarChartOutlined, GlobalOutlined, SendOutlined } from "@ant-design/icons";
import { lazy } from "react";
import type { PageRoute } from "../../routes";

// 任务管理: the two send forms and 任务统计 (menu group "tasks").
const routes: PageRoute[] = [
  { path: "/tasks/send/international", label: { zh: "国际|港澳台发信", en: "International | HK/MO/TW" },
    audience: "customer", group: "tasks", icon: <GlobalOutlined />, order: 110,
    page: lazy(() => import("./InternationalPage")) },
  { path: "/tasks/send/domestic", label: { zh: "国内发信", en: "Mainland China" }, audience: "customer", group: "tasks",
    icon: <SendOutlined />, order: 120, page: lazy(() => import("./DomesticPage")) },
  { path: "/tasks", label: { zh: "任务统计", en: "Task statistics" }, audience: "customer", group: "tasks",
    icon: <BarChartOutlined />, order: 130, page: lazy(() => import("./TasksPage")) },
];
export default routes;
