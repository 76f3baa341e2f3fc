import { CloudDownloadOutlined } from "@ant-design/icons";
import { lazy } from "react";
import type { PageRoute } from "../../routes";

const routes: PageRoute[] = [
  { path: "/downloads", label: { zh: "下载中心", en: "Download center" }, audience: "customer",
    icon: <CloudDownloadOutlined />, order: 400, page: lazy(() => import("./DownloadsPage")) },
];
export default routes;
