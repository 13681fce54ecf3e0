// The operators' live map: log in, draw the district and the user's work, then keep both
// current from the live feed.

import { Api } from "/ops/app/api.js";
import { Feed } from "/ops/app/feed.js";
import { applyStatic, lang, named, setLang, t, word } from "/ops/app/i18n.js";
import { KpiStrip, today } from "/ops/app/kpi.js";
import { DistrictMap, GROUPS, gridLabels } from "/ops/app/map.js";
import { CasePanel } from "/ops/app/panel.js";
import { District } from "/ops/app/state.js";

const api = new Api();
const $ = (id) => document.getElementById(id);
// for the acceptance tests and the curious: what the page holds and when it last drew
window.zongguan = { ready: false, events: 0, lastEventAt: null };

setLang(lang());
applyStatic();
for (const id of ["lang", "lang2"]) {
  $(id).addEventListener("click", () => {
    setLang(lang() === "en" ? "zh-CN" : "en");
    location.reload();
  });
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  try {
    await api.logIn($("username").value, $("password").value);
    await start();
  } catch {
    $("login-error").textContent = t("loginFailed");
  }
});

$("logout").addEventListener("click", async () => {
  await api.logOut();
  location.reload();
});

api.onLoggedOut = () => location.reload();

if (await api.resume()) await start();
else $("login").hidden = false;

async function start() {
  $("login").hidden = true;
  $("app").hidden = false;
  const me = await api.get("/api/v1/auth/me");
  $("who").textContent = `${me.name || me.sub} · ${me.role}`;
  if (!DistrictMap.supported()) $("nogl").hidden = false;

  const names = await loadNames();
  const district = new District(me);
  const view = new DistrictMap($("map"));
  const kpi = new KpiStrip($("kpi"), api, names);
  const panel = new CasePanel($("panel"), api, names);
  await view.ready();

  // the feed first (its events are held until the snapshot is drawn), then the snapshot
  let held = [];
  const draw = () => {
    for (const name of district.changed) {
      if (name !== "cases") {
        view.set(name, district.collection(name));
        continue;
      }
      const cases = district.takeCaseDraw();
      if (cases.reload) view.setCases(cases.all);
      else view.freshCases(cases.fresh, cases.hide);
    }
    district.changed.clear();
    kpi.local(district.counts());
  };
  const fetchItems = async () => {
    const ids = [...district.needsItem];
    district.needsItem.clear();
    await Promise.all(ids.map(async (id) => {
      try {
        district.putItem(await api.get(`/api/v1/workflow/cases/${id}`));
      } catch (error) {
        if (error.status === 404) district.drop(id);
      }
    }));
    draw();
  };
  // case -> when its latest event was made and reached the page (the last 100 cases)
  const recent = new Map();
  window.zongguan.eventTime = (caseId) => recent.get(caseId) ?? null;
  const handle = (event) => {
    window.zongguan.events += 1;
    window.zongguan.lastEventAt = Date.now();
    if (event.data.case_id) {
      recent.delete(event.data.case_id);
      recent.set(event.data.case_id, { made: Date.parse(event.time), got: Date.now() });
      if (recent.size > 100) recent.delete(recent.keys().next().value);
    }
    if (held) return held.push(event);
    if (district.apply(event)) {
      draw();
      if (event.type.includes(".case.")) kpi.soon();
      if (event.data.case_id && event.data.case_id === panel.caseId) panel.open(panel.caseId);
    }
    if (district.needsItem.size) fetchItems();
  };
  const feed = new Feed(api, {
    onEvent: handle,
    onStatus: (status) => {
      $("live").className = `live ${status}`;
      $("live").textContent = t(status);
    },
    onReset: () => loadSnapshot(),
  });
  await feed.start();

  const pointPlaces = new Map();
  district.pointPlace = (id) => pointPlaces.get(id);

  async function loadSnapshot() {
    held ??= [];
    const [grids, points, routes, cases, officers, cameras, lights, compounds] = await Promise.all([
      api.get("/api/v1/grids"),
      api.get("/api/v1/patrol-points?limit=2000").catch(() => null),
      api.get("/api/v1/routes").catch(() => null),
      api.get("/api/v1/workflow/map"),
      api.get("/api/v1/patrol/positions").catch(() => null),
      api.get("/api/v1/cameras?limit=5000").catch(() => null),
      api.get("/api/v1/lighting/lights").catch(() => null),
      api.get("/api/v1/access/compounds").catch(() => null),
    ]);
    view.set("grids", grids);
    view.set("grid-labels", gridLabels(grids, (f) => `${f.properties.id} ${named(f.properties)}`));
    if (points) {
      view.set("points", points);
      for (const f of points.features) pointPlaces.set(f.properties.id, f.geometry.coordinates);
    }
    if (routes) view.set("routes", routes);
    district.loadCases(cases);
    if (officers) district.loadOfficers(officers);
    if (cameras) district.loadCameras(cameras);
    if (lights) district.loadLights(lights);
    if (compounds) district.loadCompounds(compounds.compounds);
    if (!window.zongguan.ready) view.fit(grids);
    const backlog = held;
    held = null;
    for (const event of backlog) district.apply(event);
    draw();
    if (district.needsItem.size) await fetchItems();
    buildFilters(grids, names, cases);
    await kpi.refresh(district.counts());
    window.zongguan.ready = true;
    window.zongguan.cases = () => [...district.cases.keys()];
    window.zongguan.lightsAtFault = () => [...district.lights.values()]
      .filter((f) => f.properties.problem || f.properties.circuit_fault).map((f) => f.properties.id);
    window.zongguan.compounds = () => district.compounds.size;
    document.body.dataset.ready = "true";
  }
  await loadSnapshot();

  view.onCaseClick((f) => {
    view.select(f);
    panel.open(f.properties.case_id);
  });
  panel.onClosed = () => view.select(null);
  panel.onChanged = (item) => {
    district.putItem(item);
    draw();
  };
  view.onClick("officers", async (f) => {
    const walk = await api.get(`/api/v1/patrol/plans/${today()}/officers/${f.properties.badge}/route`).catch(() => null);
    view.set("walk", walk ?? { type: "FeatureCollection", features: [] });
  });
  // check-ins fade after two minutes (a local animation, not a request)
  setInterval(() => {
    district.expireCheckins();
    if (district.changed.size) draw();
  }, 10_000);
  // the tests' handle: centre the map on a case and say where it is on the screen
  window.zongguan.focus = async (caseId) => {
    const feature = district.cases.get(caseId);
    if (!feature) return null;
    view.map.jumpTo({ center: feature.geometry.coordinates, zoom: 18 });
    await new Promise((resolve) => view.map.once("idle", resolve));
    const rect = view.map.getCanvas().getBoundingClientRect();
    const at = view.map.project(feature.geometry.coordinates);
    return { x: rect.left + at.x, y: rect.top + at.y };
  };
  // the tests' handle: lose the stream as a network drop would (the feed reconnects itself)
  window.zongguan.drop = () => {
    feed.source?.close();
    feed.source = null;
    feed.retry();
  };
  // the bench's handle: more open cases than the platform holds, drawn by the page's own path
  window.zongguan.inject = (features) => {
    for (const f of features) district.cases.set(f.id, f);
    district.reloadBulk = true;
    district.changed.add("cases");
    draw();
  };
  window.zongguan.move = (features) => {
    for (const f of features) district.officers.set(f.id, f);
    district.changed.add("officers");
    draw();
  };
  window.zongguan.map = view.map;
  window.zongguan.shown = (caseId) => view.shows(caseId);
  window.zongguan.drawnCases = () => view.drawnCases().map((f) => f.properties);

  function buildFilters(grids, names, cases) {
    const box = $("filters");
    box.replaceChildren();
    const values = (key) => [...new Set(cases.features.map((f) => f.properties[key]).filter(Boolean))].sort();
    const choices = {
      grid_id: grids.features.map((f) => [f.properties.id, `${f.properties.id} ${named(f.properties)}`]),
      category: [...names.categories.entries()].filter(([code]) => code.length === 5).map(([code, c]) => [code, `${code} ${named(c)}`]),
      department_id: [...names.departments.entries()].map(([id, d]) => [id, named(d)]),
      status: values("status").map((s) => [s, word("statuses", s)]),
      source: ["resident_app", "qr_scan", "officer_handset", "partner_api", "hotline_12345", "camera", "command_centre", "access_control", "device"].map((s) => [s, word("sources", s)]),
    };
    const labels = { grid_id: "grid", category: "category", department_id: "department", status: "status", source: "source" };
    const selects = {};
    for (const [key, options] of Object.entries(choices)) {
      const select = document.createElement("select");
      select.name = key;
      select.dataset.filter = key;
      select.append(new Option(t("all"), ""));
      for (const [value, text] of options) select.append(new Option(text, value));
      select.addEventListener("change", apply);
      selects[key] = select;
      const label = document.createElement("label");
      label.append(t(labels[key]), select);
      box.append(label);
    }
    const toggles = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = t("layers");
    toggles.append(legend);
    for (const group of GROUPS) {
      const input = document.createElement("input");
      input.type = "checkbox";
      input.checked = true;
      input.dataset.layer = group;
      input.addEventListener("change", () => view.show(group, input.checked));
      const label = document.createElement("label");
      label.append(input, t(group));
      toggles.append(label);
    }
    box.append(toggles);
    function apply() {
      const all = ["all"];
      for (const [key, select] of Object.entries(selects)) {
        if (select.value) all.push(["==", ["get", key], select.value]);
      }
      view.filterCases(all.length > 1 ? all : null);
    }
  }
}

async function loadNames() {
  const [tree, departments] = await Promise.all([
    api.get("/api/v1/categories").catch(() => []),
    api.get("/api/v1/departments").catch(() => []),
  ]);
  const categories = new Map();
  const visit = (nodes) => {
    for (const c of nodes) {
      categories.set(c.code, c);
      visit(c.children ?? []);
    }
  };
  visit(tree);
  return { categories, departments: new Map(departments.map((d) => [d.id, d])) };
}
