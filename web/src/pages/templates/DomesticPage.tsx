import { TemplatesPage } from "./TemplatesPage";

export default function DomesticTemplatesPage() {
  return <TemplatesPage kind="domestic" />;
}
