// The district on MapLibre GL JS, from the platform's own vector data: no tile server, no
// glyph server (labels are drawn locally from the bundled Noto Sans SC web font), every marker
// a feature of a GPU layer (never a DOM node), each source redrawn at most once a frame.

import * as maplibregl from "/ops/assets/maplibre-gl/maplibre-gl.mjs";

export const FONT = "Noto Sans SC";
const EMPTY = { type: "FeatureCollection", features: [] };

export const LIGHT_COLOURS = { green: "#22c55e", yellow: "#facc15", red: "#ef4444" };
const CAMERA_COLOURS = { online: "#38bdf8", offline: "#64748b", fault: "#f97316" };
const LAMP_COLOURS = { fault: "#ef4444", on: "#fde047", dimmed: "#ca8a04", off: "#334155", unknown: "#475569" };

const STYLE = {
  version: 8,
  // no `glyphs`: MapLibre renders text itself in the `text-font` web font
  sources: {},
  layers: [{ id: "background", type: "background", paint: { "background-color": "#0b1622" } }],
};

// a case by its light; a white ring when urgent; the bulk copy of a changed case hidden
function casePaint(bulk) {
  const shown = bulk ? ["case", ["boolean", ["feature-state", "hidden"], false], 0, 1] : 1;
  return {
    "circle-radius": ["interpolate", ["linear"], ["zoom"], 11, 3, 16, 8],
    "circle-color": ["match", ["get", "light"], "green", LIGHT_COLOURS.green, "yellow", LIGHT_COLOURS.yellow, "red", LIGHT_COLOURS.red, "#e2e8f0"],
    "circle-stroke-color": ["case", ["==", ["get", "urgency"], "urgent"], "#ffffff", "#0b1622"],
    "circle-stroke-width": ["case", ["==", ["get", "urgency"], "urgent"], 2, 0.8],
    "circle-opacity": shown,
    "circle-stroke-opacity": shown,
  };
}

// the layers, bottom to top, and the toggle (group) each belongs to
const LAYERS = [
  { group: "grids", id: "grids-fill", type: "fill", source: "grids",
    paint: { "fill-color": ["match", ["get", "zone_type"], "residential", "#1e3a5f", "commercial", "#3b2f5c", "scenic", "#1f4d3a", "#243447"], "fill-opacity": 0.55 } },
  { group: "grids", id: "grids-line", type: "line", source: "grids",
    paint: { "line-color": "#4b6584", "line-width": 1 } },
  { group: "routes", id: "routes", type: "line", source: "routes",
    paint: { "line-color": "#7dd3fc", "line-width": 1.2, "line-opacity": 0.5, "line-dasharray": [2, 2] } },
  { group: "points", id: "points", type: "circle", source: "points",
    paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 1.2, 16, 4], "circle-color": "#94a3b8", "circle-opacity": 0.7 } },
  { group: "cameras", id: "cameras", type: "circle", source: "cameras",
    paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 1.5, 16, 5],
      "circle-color": ["match", ["get", "status"], "online", CAMERA_COLOURS.online, "fault", CAMERA_COLOURS.fault, CAMERA_COLOURS.offline],
      "circle-stroke-color": "#0b1622", "circle-stroke-width": 0.5 } },
  { group: "compounds", id: "compounds", type: "circle", source: "compounds",
    paint: { "circle-radius": ["interpolate", ["linear"], ["get", "residents"], 0, 4, 600, 9, 2000, 14],
      "circle-color": "#2dd4bf", "circle-opacity": 0.35,
      "circle-stroke-color": ["case", [">", ["get", "silent_gates"], 0], "#ef4444", "#5eead4"], "circle-stroke-width": 1.5 } },
  { group: "lights", id: "lights", type: "circle", source: "lights",
    paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 1, 16, 3.5],
      "circle-color": ["case", ["any", ["to-boolean", ["get", "problem"]], ["to-boolean", ["get", "circuit_fault"]]], LAMP_COLOURS.fault,
        ["match", ["get", "state"], "on", LAMP_COLOURS.on, "dimmed", LAMP_COLOURS.dimmed, "off", LAMP_COLOURS.off, LAMP_COLOURS.unknown]] } },
  { group: "officers", id: "walk", type: "line", source: "walk",
    paint: { "line-color": "#f0abfc", "line-width": 3, "line-opacity": 0.9 } },
  { group: "checkins", id: "checkins", type: "circle", source: "checkins",
    paint: { "circle-radius": 10, "circle-color": "rgba(0,0,0,0)",
      "circle-stroke-color": ["match", ["get", "outcome"], "refused", "#ef4444", "late", "#facc15", "#a7f3d0"],
      "circle-stroke-width": 2 } },
  { group: "cases", id: "cases", type: "circle", source: "cases", paint: casePaint(true) },
  { group: "cases", id: "cases-fresh", type: "circle", source: "cases-fresh", paint: casePaint(false) },
  { group: "cases", id: "case-selected", type: "circle", source: "selected",
    paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ffffff", "circle-stroke-width": 3 } },
  { group: "officers", id: "officers", type: "circle", source: "officers",
    paint: { "circle-radius": 6, "circle-color": "#c084fc", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5 } },
  { group: "officers", id: "officer-labels", type: "symbol", source: "officers", minzoom: 14,
    layout: { "text-field": ["get", "badge"], "text-font": [FONT], "text-size": 11, "text-offset": [0, 1.2], "text-anchor": "top" },
    paint: { "text-color": "#f5d0fe", "text-halo-color": "#0b1622", "text-halo-width": 1.5 } },
  { group: "grids", id: "grid-labels", type: "symbol", source: "grid-labels",
    layout: { "text-field": ["get", "label"], "text-font": [FONT], "text-size": 12 },
    paint: { "text-color": "#cbd5e1", "text-halo-color": "#0b1622", "text-halo-width": 1.5 } },
];

export const GROUPS = ["cases", "officers", "cameras", "lights", "compounds", "checkins", "points", "routes", "grids"];

export class DistrictMap {
  constructor(container) {
    this.map = new maplibregl.Map({
      container,
      style: STYLE,
      center: [117.29, 31.80],
      zoom: 13,
      attributionControl: false,
      localIdeographFontFamily: `"${FONT}", sans-serif`,
      // the test machines and many command-centre PCs have no GPU: software WebGL draws it
      failIfMajorPerformanceCaveat: false,
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "bottom-right");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    this.data = {};
    this.dirty = new Set();
    this.toHide = []; // bulk cases to hide at the next frame
    this.clearHidden = false;
    this.loaded = new Promise((resolve) => this.map.on("load", resolve));
  }

  async ready() {
    await this.loaded;
    // the font must be there before the first label is drawn (maplibre-gl-js#7307)
    await document.fonts.load(`12px "${FONT}"`, "综管网格").catch(() => {});
    for (const name of ["grids", "grid-labels", "routes", "points", "cameras", "compounds", "lights", "walk", "checkins", "cases", "cases-fresh", "selected", "officers"]) {
      this.data[name] = EMPTY;
      const byCase = name === "cases" || name === "cases-fresh";
      this.map.addSource(name, { type: "geojson", data: EMPTY, promoteId: byCase ? "case_id" : undefined });
    }
    for (const { group, ...layer } of LAYERS) this.map.addLayer(layer);
  }

  // replace a source's data; drawn once at the next frame however often it changes before
  set(name, collection) {
    this.data[name] = collection;
    this.schedule(name);
  }

  // every case drawn whole in the bulk layer (none fresh, none hidden)
  setCases(collection) {
    this.set("cases", collection);
    this.set("cases-fresh", EMPTY);
    this.toHide = [];
    this.clearHidden = true;
  }

  // the cases changed since the bulk was drawn, and the bulk copies to hide
  freshCases(collection, hide) {
    this.set("cases-fresh", collection);
    this.toHide.push(...hide);
  }

  // the cases drawn where the user looks (a hidden bulk copy is not drawn)
  drawnCases() {
    return this.map.queryRenderedFeatures({ layers: ["cases-fresh", "cases"] })
      .filter((f) => !f.state?.hidden);
  }

  shows(caseId) {
    const match = { filter: ["==", ["get", "case_id"], caseId] };
    if (this.map.querySourceFeatures("cases-fresh", match).length) return true;
    const state = this.map.getFeatureState({ source: "cases", id: caseId });
    return !state?.hidden && this.map.querySourceFeatures("cases", match).length > 0;
  }

  schedule(name) {
    if (this.dirty.size === 0) requestAnimationFrame(() => this.flush());
    this.dirty.add(name);
  }

  flush() {
    if (this.clearHidden) {
      this.map.removeFeatureState({ source: "cases" });
      this.clearHidden = false;
    }
    for (const name of this.dirty) this.map.getSource(name)?.setData(this.data[name]);
    for (const id of this.toHide) this.map.setFeatureState({ source: "cases", id }, { hidden: true });
    this.toHide = [];
    this.dirty.clear();
  }

  fit(collection) {
    const bounds = new maplibregl.LngLatBounds();
    for (const f of collection.features) walk(f.geometry.coordinates, (c) => bounds.extend(c));
    if (!bounds.isEmpty()) this.map.fitBounds(bounds, { padding: 40, duration: 0 });
  }

  show(group, visible) {
    for (const layer of LAYERS) {
      if (layer.group === group) this.map.setLayoutProperty(layer.id, "visibility", visible ? "visible" : "none");
    }
  }

  filterCases(expression) {
    this.map.setFilter("cases", expression);
    this.map.setFilter("cases-fresh", expression);
  }

  // a ring around the selected case (none: null)
  select(feature) {
    const features = feature ? [{ type: "Feature", geometry: feature.geometry, properties: {} }] : [];
    this.set("selected", { type: "FeatureCollection", features });
  }

  onCaseClick(handler) {
    this.map.on("click", (e) => {
      const [first] = this.map.queryRenderedFeatures(e.point, { layers: ["cases-fresh", "cases"] })
        .filter((f) => !f.state?.hidden);
      if (first) handler(first);
    });
    for (const layer of ["cases", "cases-fresh"]) {
      this.map.on("mouseenter", layer, () => { this.map.getCanvas().style.cursor = "pointer"; });
      this.map.on("mouseleave", layer, () => { this.map.getCanvas().style.cursor = ""; });
    }
  }

  onClick(layer, handler) {
    this.map.on("click", layer, (e) => handler(e.features[0]));
    this.map.on("mouseenter", layer, () => { this.map.getCanvas().style.cursor = "pointer"; });
    this.map.on("mouseleave", layer, () => { this.map.getCanvas().style.cursor = ""; });
  }

  // whether WebGL drew (the page says so when it cannot)
  static supported() {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  }
}

function walk(coordinates, visit) {
  if (typeof coordinates[0] === "number") visit(coordinates);
  else for (const c of coordinates) walk(c, visit);
}

// a label point for each grid: the centre of its bounding box
export function gridLabels(grids, label) {
  return {
    type: "FeatureCollection",
    features: grids.features.map((f) => {
      let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
      walk(f.geometry.coordinates, ([x, y]) => { w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y); });
      return { type: "Feature", geometry: { type: "Point", coordinates: [(w + e) / 2, (s + n) / 2] }, properties: { label: label(f) } };
    }),
  };
}
