import { lazy } from "react";
import type { PageRoute } from "../../routes";

const routes: PageRoute[] = [
  { path: "/templates/webhook", label: { zh: "Webhook URL", en: "Webhook URL" }, audience: "customer",
    group: "templates", order: 230, page: lazy(() => import("./WebhookPage")) },
];
export default routes;
