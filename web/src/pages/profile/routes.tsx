import { UserOutlined } from "@ant-design/icons";
import { lazy } from "react";
import type { PageRoute } from "../../routes";

const ProfilePage = lazy(() => import("./ProfilePage"));
const label = { zh: "个人中心", en: "My account" };

const routes: PageRoute[] = [
  { path: "/profile", label, audience: "customer", icon: <UserOutlined />, order: 900, page: ProfilePage },
  { path: "/ops/profile", label, audience: "operator", icon: <UserOutlined />, order: 1900, page: ProfilePage },
];
export default routes;
