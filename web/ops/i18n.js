// The page's words in zh-CN (the default) and English; names of categories and departments
// come from the API in both languages.

const WORDS = {
  "zh-CN": {
    title: "综管 · 一张图",
    login: "登录",
    username: "用户名",
    password: "密码",
    logout: "退出",
    loginFailed: "用户名或密码不正确",
    live: "实时",
    reconnecting: "重新连接中",
    offline: "已断开",
    language: "English",
    filters: "筛选",
    layers: "图层",
    grid: "网格",
    category: "类别",
    department: "部门",
    status: "状态",
    source: "来源",
    all: "全部",
    cases: "案件",
    officers: "巡查员",
    cameras: "摄像头",
    points: "巡查点位",
    routes: "巡查路线",
    grids: "网格",
    checkins: "签到",
    lights: "路灯",
    compounds: "小区",
    lightsOut: "故障路灯",
    residents: "登记居民",
    crimePer10k: "每万人四类案件",
    staffPerKm2: "每平方公里人员",
    costPerCase: "每案件成本",
    todayCases: "今日案件",
    overdue: "超期",
    handledRate: "处置率",
    busiestGrids: "案件最多网格",
    patrolDone: "巡查完成率",
    camerasOffline: "离线摄像头",
    ranking: "今日部门排名",
    bySource: "按来源",
    byCategory: "按类别",
    byStatus: "按状态",
    history: "处理经过",
    photos: "照片",
    camerasSeeing: "可见摄像头",
    watch: "观看",
    actions: "可执行操作",
    noActions: "您当前无可执行操作",
    reason: "原因",
    hours: "小时",
    result: "处置结果",
    closeType: "结案类型",
    submit: "提交",
    cancel: "取消",
    close: "关闭",
    done: "已完成",
    failed: "操作失败",
    due: "处置时限",
    reportedAt: "上报时间",
    address: "地址",
    light: { green: "绿灯", yellow: "黄灯", red: "红灯" },
    statuses: {
      reported: "待受理", verifying: "核实中", accepted: "已受理", filed: "已立案",
      dispatched: "已派遣", extension_pending: "延期申请", return_pending: "回退申请",
      hang_pending: "挂账申请", hung: "挂账", disposed: "已处置", checking: "核查中",
      checked: "核查通过", visiting: "回访中", self_handled: "自处置", closed: "已结案",
      cancelled: "已作废", not_accepted: "不予受理",
    },
    sources: {
      resident_app: "居民App", qr_scan: "扫码上报", officer_handset: "巡查员上报",
      partner_api: "部门系统", hotline_12345: "12345热线", camera: "视频智能分析",
      command_centre: "指挥中心", access_control: "智能门禁", device: "智慧路灯",
    },
    actionNames: {
      request_verification: "派核实", confirm: "核实属实", refute: "核实不属实", accept: "受理",
      reject: "不予受理", file: "立案", dispatch: "派遣", request_extension: "申请延期",
      approve_extension: "批准延期", deny_extension: "驳回延期", request_return: "申请回退",
      approve_return: "批准回退", deny_return: "驳回回退", request_hang: "申请挂账",
      approve_hang: "批准挂账", deny_hang: "驳回挂账", resume: "恢复", dispose: "处置反馈",
      request_check: "派核查", pass_check: "核查通过", fail_check: "核查不通过", close: "结案",
      request_callback: "回访", callback_satisfied: "回访满意",
      callback_unsatisfied: "回访不满意", approve_self_handled: "确认自处置",
      reject_self_handled: "驳回自处置", cancel: "作废",
    },
    cameraStatus: { online: "在线", offline: "离线", fault: "故障", unknown: "未知" },
  },
  en: {
    title: "Zongguan · One map",
    login: "Log in",
    username: "Username",
    password: "Password",
    logout: "Log out",
    loginFailed: "Wrong username or password",
    live: "Live",
    reconnecting: "Reconnecting",
    offline: "Disconnected",
    language: "中文",
    filters: "Filters",
    layers: "Layers",
    grid: "Grid",
    category: "Category",
    department: "Department",
    status: "Status",
    source: "Source",
    all: "All",
    cases: "Cases",
    officers: "Officers",
    cameras: "Cameras",
    points: "Patrol points",
    routes: "Patrol routes",
    grids: "Grids",
    checkins: "Check-ins",
    lights: "Street lights",
    compounds: "Compounds",
    lightsOut: "Lights at fault",
    residents: "Registered residents",
    crimePer10k: "Crimes per 10,000",
    staffPerKm2: "Staff per km²",
    costPerCase: "Cost per case",
    todayCases: "Today's cases",
    overdue: "Overdue",
    handledRate: "Handled rate",
    busiestGrids: "Busiest grids",
    patrolDone: "Patrol completion",
    camerasOffline: "Cameras offline",
    ranking: "Today's department ranking",
    bySource: "By source",
    byCategory: "By category",
    byStatus: "By status",
    history: "History",
    photos: "Photos",
    camerasSeeing: "Cameras that see it",
    watch: "Watch",
    actions: "What you may do",
    noActions: "Nothing for you to do on this case now",
    reason: "Reason",
    hours: "Hours",
    result: "Result",
    closeType: "Close type",
    submit: "Submit",
    cancel: "Cancel",
    close: "Close",
    done: "Done",
    failed: "The action failed",
    due: "Due",
    reportedAt: "Reported",
    address: "Address",
    light: { green: "green", yellow: "yellow", red: "red" },
    statuses: {},
    sources: {
      resident_app: "Resident app", qr_scan: "QR scan", officer_handset: "Officer",
      partner_api: "Partner system", hotline_12345: "12345 hotline", camera: "Camera analytics",
      command_centre: "Command centre", access_control: "Smart access", device: "Street lights",
    },
    actionNames: {},
    cameraStatus: {},
  },
};

let current = localStorage.getItem("zg.lang") === "en" ? "en" : "zh-CN";

export function lang() {
  return current;
}

export function setLang(value) {
  current = value === "en" ? "en" : "zh-CN";
  localStorage.setItem("zg.lang", current);
  document.documentElement.lang = current;
}

export function t(key) {
  return WORDS[current][key] ?? WORDS["zh-CN"][key] ?? key;
}

// a vocabulary word (status, source, action, light, camera status): the language's, or the
// code made readable
export function word(group, code) {
  if (code == null) return "—";
  const own = WORDS[current][group]?.[code];
  if (own) return own;
  return current === "en" ? String(code).replaceAll("_", " ") : WORDS["zh-CN"][group]?.[code] ?? code;
}

// a thing the API names in both languages (name / name_en)
export function named(thing) {
  if (!thing) return "—";
  return current === "en" ? thing.name_en || thing.name : thing.name || thing.name_en;
}

export function when(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(current, {
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    timeZone: "Asia/Shanghai",
  });
}

export function applyStatic(root = document) {
  document.title = t("title");
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) {
    el.placeholder = t(el.dataset.tPlaceholder);
  }
}
