// Words every page shares: the shell, menus, buttons, statuses.
export const common = {
  zh: {
    app: { name: "JMC 短信平台", console: "运营后台", language: "English", logout: "退出登录", balance: "余额",
      zone: "时区：{{zone}}", rangeStart: "开始时间", rangeEnd: "结束时间", loading: "加载中…", notFound: "页面不存在", back: "返回首页",
      skip: "跳到主要内容" },
    menu: {
      tasks: "任务管理", templates: "模板管理", logs: "日志管理", downloads: "下载中心", blacklist: "黑名单",
      apps: "应用管理", opsAccounts: "账户管理", opsPricing: "价格与国家", opsSenders: "号码与签名",
      opsReview: "审核", numbers: "号码管理", opsNumbers: "号码管理",
    },
    action: { search: "查询", reset: "重置", create: "新建", edit: "编辑", delete: "删除", save: "保存",
      cancel: "取消", confirm: "确定", submit: "提交", export: "导出", download: "下载", refresh: "刷新",
      close: "关闭", prev: "上一页", next: "下一页", view: "查看", add: "添加", more: "更多" },
    table: { empty: "暂无数据", page: "第 {{page}} 页", actions: "操作" },
    status: {
      scheduled: "待发送", sending: "发送中", completed: "已完成", paused: "已暂停", cancelled: "已取消",
      failed: "失败", pending: "排队中", running: "处理中", succeeded: "已完成", delivered: "成功",
      accepted: "已提交", submitted: "已提交", rejected: "被拒绝", blocked: "已拦截", expired: "已过期",
      active: "正常", suspended: "已停用", approved: "已通过", unknown: "未知",
    },
    done: "操作成功",
  },
  en: {
    app: { name: "JMC SMS", console: "Operators' console", language: "中文", logout: "Sign out", balance: "Balance",
      zone: "Time zone: {{zone}}", rangeStart: "Start time", rangeEnd: "End time", loading: "Loading…", notFound: "Page not found", back: "Back home",
      skip: "Skip to main content" },
    menu: {
      tasks: "Tasks", templates: "Templates", logs: "Logs", downloads: "Download center", blacklist: "Blacklist",
      apps: "Applications", opsAccounts: "Accounts", opsPricing: "Prices and countries",
      opsSenders: "Senders and signatures", opsReview: "Review", numbers: "Numbers", opsNumbers: "Numbers",
    },
    action: { search: "Search", reset: "Reset", create: "New", edit: "Edit", delete: "Delete", save: "Save",
      cancel: "Cancel", confirm: "OK", submit: "Submit", export: "Export", download: "Download",
      refresh: "Refresh", close: "Close", prev: "Previous", next: "Next", view: "View", add: "Add", more: "More" },
    table: { empty: "No data", page: "Page {{page}}", actions: "Actions" },
    status: {
      scheduled: "Scheduled", sending: "Sending", completed: "Completed", paused: "Paused", cancelled: "Cancelled",
      failed: "Failed", pending: "Queued", running: "Running", succeeded: "Succeeded", delivered: "Delivered",
      accepted: "Accepted", submitted: "Submitted", rejected: "Rejected", blocked: "Blocked", expired: "Expired",
      active: "Active", suspended: "Suspended", approved: "Approved", unknown: "Unknown",
    },
    done: "Done",
  },
};
