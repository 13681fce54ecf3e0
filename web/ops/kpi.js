// The KPI strip: today's cases by source, category and status, overdue now, the handled rate
// (scoring's handled_rate) and the day's department ranking, the busiest grids, patrol
// completion, cameras offline, street lights at fault, registered residents, and the month's
// district indicators (crimes per 10,000 residents, staff per km², cost per handled case).
// Read again when the feed says something changed (never on a timer), at most every few
// seconds.

import { named, t, word } from "/ops/app/i18n.js";

const REFRESH_AFTER_MS = 3000;
const DONE = new Set(["done", "early", "late"]);

export function today() {
  // the district's day (Asia/Shanghai), as scoring and the plans count it
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
}

export class KpiStrip {
  constructor(root, api, names) {
    this.root = root;
    this.api = api;
    this.names = names;
    this.timer = null;
    this.last = {};
  }

  // ask for a refresh; several asks within the delay make one
  soon() {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, REFRESH_AFTER_MS);
  }

  async refresh(local = this.last.local) {
    const day = today();
    const since = `${day}T00:00:00+08:00`;
    const [stats, scores, plan, district] = await Promise.all([
      this.api.get(`/api/v1/cases/stats?reported_from=${encodeURIComponent(since)}`).catch(() => null),
      this.api.get(`/api/v1/scores/departments?period=${day}`).catch(() => null),
      this.api.get(`/api/v1/patrol/plans/${day}?limit=1`).catch(() => null),
      // the month's district indicators (the command centre's): crimes, staff, cost
      this.api.get(`/api/v1/scores/district/${day.slice(0, 7)}`).catch(() => null),
    ]);
    this.last = { stats, scores, plan, district, local };
    this.render();
  }

  local(counts) {
    this.last.local = counts;
    this.render();
  }

  render() {
    const { stats, scores, plan, district, local } = this.last;
    const tiles = [];
    const top = (counts, group, n = 4) => Object.entries(counts ?? {})
      .sort((a, b) => b[1] - a[1]).slice(0, n)
      .map(([k, v]) => `${group ? group(k) : k} ${v}`).join(" · ");
    if (stats) {
      tiles.push(tile("todayCases", stats.total, top(stats.by_source, (k) => word("sources", k)), "kpi-today"));
      tiles.push(tile("byCategory", "", top(stats.by_category, (k) => named(this.names.categories.get(k)) || k, 3)));
      tiles.push(tile("byStatus", "", top(stats.by_status, (k) => word("statuses", k), 3)));
      tiles.push(tile("busiestGrids", "", top(stats.by_grid, (k) => k, 3)));
    }
    if (local) {
      tiles.push(tile("overdue", local.overdue, `${t("cases")} ${local.open}`, "kpi-overdue"));
      if (local.cameras) tiles.push(tile("camerasOffline", local.camerasOffline, `/ ${local.cameras}`, "kpi-cameras"));
      if (local.lights) tiles.push(tile("lightsOut", local.lightsOut, `/ ${local.lights}`, "kpi-lights"));
      if (local.compounds) tiles.push(tile("residents", local.residents, `${local.compounds} ${t("compounds")}`, "kpi-residents"));
    }
    if (district) {
      const yoy = district.year_on_year?.incidents_per_10k_residents?.change_pct;
      tiles.push(tile("crimePer10k", district.incidents_reported ? district.incidents_per_10k_residents : "—",
        yoy == null ? district.month : `${district.month} ${yoy > 0 ? "+" : ""}${yoy}%`, "kpi-crime"));
      tiles.push(tile("staffPerKm2", district.staff_per_km2, `${district.staff} / ${district.area_km2} km²`, "kpi-staff"));
      tiles.push(tile("costPerCase", district.cost_per_handled_case ?? "—", district.cost_yuan == null ? "" : `¥${district.cost_yuan}`, "kpi-cost"));
    }
    if (scores?.departments?.length) {
      let handled = 0, toHandle = 0;
      for (const d of scores.departments) { handled += d.handled; toHandle += d.to_handle; }
      const rate = toHandle ? Math.round((handled / toHandle) * 1000) / 10 : null;
      const ranked = scores.departments.filter((d) => d.rank != null).sort((a, b) => a.rank - b.rank);
      tiles.push(tile("handledRate", rate == null ? "—" : `${rate}%`, "", "kpi-handled"));
      tiles.push(tile("ranking", "", ranked.slice(0, 3).map((d) => `${d.rank}. ${named(d)} ${d.composite}`).join(" · ")));
    }
    if (plan?.by_status) {
      let done = 0, all = 0;
      for (const [status, n] of Object.entries(plan.by_status)) {
        if (status === "cancelled" || status === "unplanned") continue;
        all += n;
        if (DONE.has(status)) done += n;
      }
      tiles.push(tile("patrolDone", all ? `${Math.round((done / all) * 100)}%` : "—", `${done} / ${all}`, "kpi-patrol"));
    }
    this.root.replaceChildren(...tiles);
  }
}

function tile(key, value, detail, id) {
  const node = document.createElement("div");
  node.className = "tile";
  if (id) node.dataset.testid = id;
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = t(key);
  const number = document.createElement("strong");
  number.textContent = value;
  const small = document.createElement("small");
  small.textContent = detail;
  node.append(label, number, small);
  return node;
}
