// Voice 通话记录: every label, column and message in both languages.
import { registerBundle } from "../../i18n";

registerBundle("voice", {
  zh: {
    title: "通话记录", detail: "通话详情",
    intro: "您的号码的呼入与呼出通话，最新的在前。",
    filters: { number: "我的号码", numberHelp: "国际格式，如 +447700900001", direction: "方向", status: "状态",
      range: "时间周期", rangeHelp: "按通话开始时间筛选；不选择时为最近 7 天，最长 92 天", any: "全部" },
    col: { id: "通话 ID", number: "我的号码", direction: "方向", status: "状态", from: "主叫", to: "被叫",
      start: "开始时间", end: "结束时间", duration: "时长", rate: "费率（每分钟）", price: "费用" },
    directions: { inbound: "呼入", outbound: "呼出" },
    status: { started: "已发起", ringing: "振铃中", answered: "已接通", completed: "已完成", busy: "忙线",
      failed: "失败", rejected: "被拒绝", timeout: "超时未接", unanswered: "未接听", cancelled: "已取消",
      machine: "语音信箱" },
    exportCsv: "导出 CSV", exportXlsx: "导出 XLSX",
  },
  en: {
    title: "Voice call log", detail: "Call details",
    intro: "Inbound and outbound calls on your numbers, newest first.",
    filters: { number: "My number", numberHelp: "International format, e.g. +447700900001", direction: "Direction",
      status: "Status", range: "Time range", rangeHelp: "By when the call started; empty: the last 7 days, at most 92", any: "All" },
    col: { id: "Call ID", number: "My number", direction: "Direction", status: "Status", from: "From", to: "To",
      start: "Started", end: "Ended", duration: "Duration", rate: "Rate (per minute)", price: "Price" },
    directions: { inbound: "Inbound", outbound: "Outbound" },
    status: { started: "Started", ringing: "Ringing", answered: "Answered", completed: "Completed", busy: "Busy",
      failed: "Failed", rejected: "Rejected", timeout: "Timed out", unanswered: "Unanswered", cancelled: "Cancelled",
      machine: "Voicemail" },
    exportCsv: "Export CSV", exportXlsx: "Export XLSX",
  },
});
