// The case panel: what happened in plain words, photos, the cameras that see the place, and
// the actions the user's role may take now (the lifecycle's, from the routing service), done
// from here.

import { named, t, when, word } from "/ops/app/i18n.js";

// what an action asks for before it can be done
const NEEDS = {
  reject: ["reason"], refute: ["reason"], request_extension: ["hours", "reason"],
  deny_extension: ["reason"], request_return: ["reason"], deny_return: ["reason"],
  request_hang: ["reason"], deny_hang: ["reason"], fail_check: ["reason"], cancel: ["reason"],
  dispose: ["result"], dispatch: ["department_id"], close: ["close_type"],
  reject_self_handled: ["reason"], callback_unsatisfied: ["reason"],
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c != null) node.append(c);
  return node;
}

export class CasePanel {
  constructor(root, api, names) {
    this.root = root;
    this.api = api;
    this.names = names; // {categories, departments}
    this.caseId = null;
    this.onChanged = () => {};
    this.onClosed = () => {};
    this.urls = [];
  }

  close() {
    this.caseId = null;
    this.root.hidden = true;
    this.root.replaceChildren();
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
    this.onClosed();
  }

  async open(caseId) {
    this.caseId = caseId;
    this.root.hidden = false;
    this.root.replaceChildren(el("p", { class: "muted" }, "…"));
    const [detail, item, cameras] = await Promise.all([
      this.api.get(`/api/v1/cases/${caseId}`).catch(() => null),
      this.api.get(`/api/v1/workflow/cases/${caseId}`).catch(() => null),
      this.api.get(`/api/v1/cameras/by-case/${caseId}`).catch(() => null),
    ]);
    if (this.caseId !== caseId) return; // another case was clicked meanwhile
    this.render(caseId, detail, item, cameras);
  }

  render(caseId, detail, item, cameras) {
    const category = this.names.categories.get(detail?.category ?? item?.category);
    const light = item?.light;
    const header = el("header", {},
      el("h2", {}, detail?.number ?? item?.number ?? caseId),
      el("button", { class: "icon", "aria-label": t("close"), onclick: () => this.close() }, "×"));
    const facts = el("dl", {},
      el("dt", {}, t("category")), el("dd", {}, named(category) || (detail?.category ?? "")),
      el("dt", {}, t("status")), el("dd", { "data-testid": "case-status" }, word("statuses", item?.status ?? detail?.status)),
      el("dt", {}, t("department")), el("dd", {}, named(this.names.departments.get(item?.department_id ?? detail?.department))),
      el("dt", {}, t("due")), el("dd", {}, when(item?.due_at ?? detail?.due_at),
        light ? el("span", { class: `light ${light}` }, word("light", light)) : null),
      el("dt", {}, t("source")), el("dd", {}, word("sources", detail?.source ?? item?.source)),
      el("dt", {}, t("reportedAt")), el("dd", {}, when(detail?.reported_at)),
      el("dt", {}, t("address")), el("dd", {}, detail?.address ?? "—"));
    const description = detail?.description ? el("p", { class: "description" }, detail.description) : null;
    const history = el("section", {}, el("h3", {}, t("history")),
      el("ol", { class: "history" }, (detail?.history ?? []).map((h) =>
        el("li", {}, el("time", {}, when(h.at)), " ", h.text || word("statuses", h.status)))));
    const photos = el("section", { class: "photos" }, el("h3", {}, t("photos")));
    for (const m of detail?.media ?? []) {
      if (m.kind !== "photo") continue;
      const img = el("img", { alt: m.purpose ?? "", loading: "lazy" });
      photos.append(img);
      this.api.blobUrl(m.thumbnail_url ?? m.url).then((u) => { this.urls.push(u); img.src = u; }).catch(() => img.remove());
    }
    const seeing = el("section", {}, el("h3", {}, t("camerasSeeing")),
      el("ul", { class: "cameras" }, (cameras?.features ?? []).slice(0, 8).map((c) => el("li", {},
        `${c.properties.name} · ${Math.round(c.properties.distance_m)} m · ${word("cameraStatus", c.properties.status)}`,
        c.properties.stream_url ? el("a", { href: c.properties.stream_url, target: "_blank", rel: "noopener" }, ` ${t("watch")}`) : null))));
    const parts = [header, facts, description, this.actions(caseId, item), history,
      photos.childElementCount > 1 ? photos : null, cameras ? seeing : null];
    this.root.replaceChildren(...parts.filter((p) => p != null));
  }

  actions(caseId, item) {
    const section = el("section", { class: "actions" }, el("h3", {}, t("actions")));
    const actions = item?.actions ?? [];
    if (!actions.length) section.append(el("p", { class: "muted" }, t("noActions")));
    const message = el("p", { class: "message", role: "status" });
    for (const action of actions) {
      section.append(el("button", {
        "data-action": action,
        onclick: () => this.ask(section, caseId, action, item, message),
      }, word("actionNames", action)));
    }
    section.append(message);
    return section;
  }

  ask(section, caseId, action, item, message) {
    section.querySelector("form")?.remove();
    const needs = NEEDS[action] ?? [];
    const inputs = {};
    const fields = needs.map((name) => {
      let input;
      if (name === "department_id") {
        input = el("select", { name });
        for (const [id, d] of this.names.departments) input.append(el("option", { value: id }, named(d)));
        if (item?.suggested_department_id) input.value = item.suggested_department_id;
      } else if (name === "close_type") {
        input = el("select", { name }, ["normal", "overdue", "error", "special"].map((v) => el("option", { value: v }, v)));
      } else if (name === "hours") {
        input = el("input", { name, type: "number", min: "1", max: "720", value: "24", required: "" });
      } else {
        input = el("textarea", { name, rows: "2", required: "", minlength: "2" });
      }
      inputs[name] = input;
      return el("label", {}, t(name === "department_id" ? "department" : name === "close_type" ? "closeType" : name), input);
    });
    const form = el("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        const body = {};
        for (const [name, input] of Object.entries(inputs)) {
          body[name] = name === "hours" ? Number(input.value) : input.value;
        }
        await this.act(caseId, action, body, message);
        form.remove();
      },
    }, fields, el("button", { type: "submit" }, `${word("actionNames", action)} · ${t("submit")}`),
    el("button", { type: "button", onclick: () => form.remove() }, t("cancel")));
    if (!needs.length) {
      this.act(caseId, action, {}, message);
      return;
    }
    section.append(form);
  }

  async act(caseId, action, body, message) {
    message.textContent = "…";
    try {
      const item = await this.api.post(`/api/v1/workflow/cases/${caseId}/actions/${action}`, body);
      message.textContent = `${word("actionNames", action)} · ${t("done")}`;
      this.onChanged(item);
      await this.open(caseId);
    } catch (error) {
      message.textContent = `${t("failed")}: ${error.message}`;
    }
  }
}
