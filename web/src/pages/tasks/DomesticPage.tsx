// 国内发信
import { SendForm } from "./SendForm";

export default function DomesticPage() {
  return <SendForm kind="domestic" />;
}
