// What the page knows of the district, kept current by the live feed: the open cases of the
// user's work, officers' positions, camera status, street lights' faults, compounds'
// occupancy and silent gates, the latest check-ins. Each event is applied
// the way the REST snapshot would show it afterwards.

const TERMINAL = new Set(["closed", "cancelled", "not_accepted"]);
const CHECKIN_SHOWN_MS = 120_000;
const FRESH_MAX = 500;

export class District {
  constructor(me) {
    this.me = me;
    this.cases = new Map(); // case_id -> GeoJSON feature
    this.officers = new Map(); // badge -> feature
    this.cameras = new Map(); // camera id -> feature
    this.lights = new Map(); // light id -> feature (the street lights' status layer)
    this.faults = new Map(); // open fault id -> { scope, target }
    this.compounds = new Map(); // compound id -> feature, with its silent gates
    this.checkins = []; // recent check-in features, newest last
    this.changed = new Set(); // which collections changed since the last draw
    // Cases are drawn in two layers: the bulk (every case as last drawn whole) and the fresh
    // ones (changed since); a changed case's bulk copy is hidden by feature state. A change then
    // re-indexes a few hundred features, not 10,000; past FRESH_MAX the bulk is drawn again.
    this.bulk = new Set(); // ids in the bulk layer
    this.fresh = new Set(); // ids drawn in the fresh layer
    this.hidden = new Set(); // bulk ids hidden (changed or gone)
    this.toHide = new Set();
    this.reloadBulk = true;
    this.needsItem = new Set(); // cases whose row must be read again (place or light unknown)
  }

  loadCases(collection) {
    this.cases.clear();
    for (const f of collection.features) this.cases.set(f.id, f);
    this.reloadBulk = true;
    this.changed.add("cases");
  }

  caseChanged(caseId) {
    this.fresh.add(caseId);
    if (this.bulk.has(caseId) && !this.hidden.has(caseId)) this.toHide.add(caseId);
    this.changed.add("cases");
  }

  // how to draw the cases now: {reload, all} or {fresh, hide}
  takeCaseDraw() {
    if (this.reloadBulk || this.fresh.size > FRESH_MAX) {
      this.reloadBulk = false;
      this.bulk = new Set(this.cases.keys());
      this.fresh.clear();
      this.hidden.clear();
      this.toHide.clear();
      return { reload: true, all: this.collection("cases") };
    }
    const hide = [...this.toHide];
    for (const id of hide) this.hidden.add(id);
    this.toHide.clear();
    const features = [...this.fresh].map((id) => this.cases.get(id)).filter(Boolean);
    return { reload: false, hide, fresh: { type: "FeatureCollection", features } };
  }

  loadOfficers(collection) {
    this.officers.clear();
    for (const f of collection.features) this.officers.set(f.properties.badge, f);
    this.changed.add("officers");
  }

  loadCameras(collection) {
    this.cameras.clear();
    for (const f of collection.features) this.cameras.set(f.id ?? f.properties.id, f);
    this.changed.add("cameras");
  }

  loadLights(collection) {
    this.lights.clear();
    this.faults.clear();
    for (const f of collection.features) this.lights.set(f.id ?? f.properties.id, f);
    this.changed.add("lights");
  }

  // the compounds (GET /api/v1/access/compounds) as points sized by their registered residents
  loadCompounds(compounds) {
    this.compounds.clear();
    for (const c of compounds) {
      const silent = new Set(c.gates.filter((g) => g.status === "silent").map((g) => g.id));
      this.compounds.set(c.id, {
        type: "Feature",
        id: c.id,
        geometry: { type: "Point", coordinates: [c.lon, c.lat] },
        properties: { id: c.id, name: c.name, residents: c.occupancy.residents, households: c.occupancy.households, silent_gates: silent.size },
        silent,
      });
    }
    this.changed.add("compounds");
  }

  // a fault marks its light (a pole) or every light of its circuit; clearing unmarks them
  markFault(scope, target, fault) {
    for (const f of this.lights.values()) {
      const p = f.properties;
      if (scope === "pole" && p.id === target) f.properties = { ...p, problem: fault };
      else if (scope === "circuit" && p.circuit_id === target) f.properties = { ...p, circuit_fault: Boolean(fault) };
    }
    this.changed.add("lights");
  }

  // a row of the work queue (GET /api/v1/workflow/cases/{id}) as the map's feature
  putItem(item) {
    if (item.lat == null || item.lon == null || TERMINAL.has(item.status)) {
      this.drop(item.case_id);
      return;
    }
    const old = this.cases.get(item.case_id)?.properties ?? {};
    this.cases.set(item.case_id, {
      type: "Feature",
      id: item.case_id,
      geometry: { type: "Point", coordinates: [item.lon, item.lat] },
      properties: {
        ...old,
        case_id: item.case_id, number: item.number, category: item.category, status: item.status,
        source: item.source, urgency: item.urgency, grid_id: item.grid_id,
        department_id: item.department_id, light: item.light, due_at: item.due_at,
        stage: item.stage, updated_at: new Date().toISOString(),
      },
    });
    this.caseChanged(item.case_id);
  }

  drop(caseId) {
    if (this.cases.delete(caseId)) {
      this.fresh.delete(caseId);
      if (this.bulk.has(caseId) && !this.hidden.has(caseId)) this.toHide.add(caseId);
      this.changed.add("cases");
    }
  }

  // an event of the feed; true when it changed what the page shows
  apply(event) {
    const d = event.data;
    switch (event.type) {
      case "intake.case.reported.v1": {
        if (this.cases.has(d.case_id) || d.resolved_on_site) return false;
        if (!this.mayHaveCase(d.grid_id, null)) return false;
        this.cases.set(d.case_id, {
          type: "Feature",
          id: d.case_id,
          geometry: { type: "Point", coordinates: [d.lon, d.lat] },
          properties: {
            case_id: d.case_id, number: d.number, category: d.category, status: "reported",
            source: d.source, urgency: d.urgency, grid_id: d.grid_id, department_id: null,
            light: null, due_at: null, stage: "accept", updated_at: d.reported_at,
          },
        });
        this.caseChanged(d.case_id);
        return true;
      }
      case "routing.case.dispatched.v1":
        return this.update(d.case_id, d.dispatched_at, {
          department_id: d.department_id, due_at: d.due_at, light: "green",
        }, d.department_id);
      case "routing.case.transitioned.v1": {
        if (TERMINAL.has(d.to_status)) {
          const had = this.cases.has(d.case_id);
          this.drop(d.case_id);
          return had;
        }
        const fields = { status: d.to_status, department_id: d.department_id, due_at: d.due_at };
        const changed = this.update(d.case_id, d.at, fields, d.department_id);
        // the light after an extension, a resume or a return is the routing service's to say
        if (["approve_extension", "resume", "approve_return", "approve_hang"].includes(d.action)) {
          this.needsItem.add(d.case_id);
        }
        return changed;
      }
      case "routing.case.deadline_approached.v1":
        return this.update(d.case_id, d.at, { light: "yellow" }, d.department_id);
      case "routing.case.overdue.v1":
        return this.update(d.case_id, d.at, { light: "red" }, d.department_id);
      case "routing.case.deadline_moved.v1":
        this.needsItem.add(d.case_id);
        return this.update(d.case_id, d.at, { due_at: d.due_at }, d.department_id);
      case "routing.case.stage_overdue.v1":
        return this.update(d.case_id, d.at, { stage_overdue: true }, null);
      case "patrol.officer.position_reported.v1": {
        const old = this.officers.get(d.badge)?.properties ?? {};
        this.officers.set(d.badge, {
          type: "Feature",
          id: d.badge,
          geometry: { type: "Point", coordinates: [d.lon, d.lat] },
          properties: { ...old, badge: d.badge, grid_id: d.grid_id, shift: d.shift, at: d.at, stale: false },
        });
        this.changed.add("officers");
        return true;
      }
      case "patrol.checkin.recorded.v1": {
        const point = d.point_id && this.pointPlace?.(d.point_id);
        if (!point) return false;
        this.checkins.push({
          type: "Feature",
          geometry: { type: "Point", coordinates: point },
          properties: { badge: d.badge, outcome: d.outcome, at: Date.now() },
        });
        this.changed.add("checkins");
        return true;
      }
      case "lighting.fault.raised.v1": {
        const target = d.scope === "circuit" ? d.circuit_id : d.light_id;
        this.faults.set(d.fault_id, { scope: d.scope, target });
        this.markFault(d.scope, target, d.scope === "circuit" ? true : d.kind);
        return true;
      }
      case "lighting.fault.cleared.v1": {
        const target = d.scope === "circuit" ? d.circuit_id : d.light_id;
        this.faults.delete(d.fault_id);
        this.markFault(d.scope, target, null);
        return true;
      }
      case "access.compound.occupancy_changed.v1": {
        const compound = this.compounds.get(d.compound_id);
        if (!compound) return false;
        compound.properties = { ...compound.properties, residents: d.residents };
        this.changed.add("compounds");
        return true;
      }
      case "access.gate.status_changed.v1": {
        const compound = this.compounds.get(d.compound_id);
        if (!compound) return false;
        if (d.to_status === "silent") compound.silent.add(d.gate_id);
        else compound.silent.delete(d.gate_id);
        compound.properties = { ...compound.properties, silent_gates: compound.silent.size };
        this.changed.add("compounds");
        return true;
      }
      case "video.camera.status_changed.v1": {
        const camera = this.cameras.get(d.camera_id);
        if (!camera) return false;
        camera.properties = { ...camera.properties, status: d.to_status, status_since: d.at };
        this.changed.add("cameras");
        return true;
      }
      default:
        return false;
    }
  }

  // a case's fields from an event newer than what the page holds; a case it does not hold
  // yet (dispatched to this department, or the event came before the report) is read again
  update(caseId, at, fields, department) {
    const feature = this.cases.get(caseId);
    if (!feature) {
      if (this.mayHaveCase(null, department)) this.needsItem.add(caseId);
      return false;
    }
    const p = feature.properties;
    if (at && p.updated_at && new Date(at) < new Date(p.updated_at)) return false; // older
    if (this.me.role === "department_staff" && "department_id" in fields
        && !this.me.department_ids.includes(fields.department_id)) {
      this.drop(caseId); // it left this department's work
      return true;
    }
    feature.properties = { ...p, ...fields, updated_at: at ?? p.updated_at };
    this.caseChanged(caseId);
    return true;
  }

  mayHaveCase(grid, department) {
    if (this.me.role === "department_staff") return this.me.department_ids.includes(department);
    if (this.me.role === "officer") return grid == null || this.me.grid_ids.includes(grid);
    return true;
  }

  expireCheckins(now = Date.now()) {
    const before = this.checkins.length;
    this.checkins = this.checkins.filter((f) => now - f.properties.at < CHECKIN_SHOWN_MS);
    if (this.checkins.length !== before) this.changed.add("checkins");
  }

  collection(name) {
    const features = name === "cases" ? [...this.cases.values()]
      : name === "officers" ? [...this.officers.values()]
        : name === "cameras" ? [...this.cameras.values()]
          : name === "lights" ? [...this.lights.values()]
            : name === "compounds" ? [...this.compounds.values()].map(({ silent, ...f }) => f)
              : this.checkins;
    return { type: "FeatureCollection", features };
  }

  counts() {
    let overdue = 0;
    for (const f of this.cases.values()) if (f.properties.light === "red") overdue += 1;
    let offline = 0;
    for (const f of this.cameras.values()) if (["offline", "fault"].includes(f.properties.status)) offline += 1;
    let lightsOut = 0;
    for (const f of this.lights.values()) if (f.properties.problem || f.properties.circuit_fault) lightsOut += 1;
    let residents = 0;
    for (const f of this.compounds.values()) residents += f.properties.residents;
    return {
      open: this.cases.size, overdue, camerasOffline: offline, cameras: this.cameras.size,
      lightsOut, lights: this.lights.size, residents, compounds: this.compounds.size,
    };
  }
}
