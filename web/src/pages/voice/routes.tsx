import { PhoneOutlined } from "@ant-design/icons";
import { lazy } from "react";
import type { PageRoute } from "../../routes";

// Voice: the call log of the account's numbers.
const routes: PageRoute[] = [
  { path: "/voice/calls", label: { zh: "Voice 通话记录", en: "Voice call log" }, audience: "customer",
    icon: <PhoneOutlined />, order: 750, page: lazy(() => import("./CallsPage")) },
];
export default routes;
