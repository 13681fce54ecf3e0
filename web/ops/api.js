// The gateway's API as the page uses it: log in, keep the access token fresh (the refresh
// token lives in this tab's sessionStorage only), and answer problem+json errors as exceptions.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code;
    this.problem = problem;
  }
}

const REFRESH_KEY = "zg.refresh";

export class Api {
  constructor() {
    this.access = null;
    this.expiresAt = 0;
    this.refreshing = null;
    this.onLoggedOut = () => {};
  }

  get loggedIn() {
    return this.access !== null;
  }

  async logIn(username, password) {
    const body = await this.raw("POST", "/api/v1/auth/login", { username, password }, false);
    this.keep(body);
  }

  // a reload of the page keeps the session of this tab
  async resume() {
    if (!sessionStorage.getItem(REFRESH_KEY)) return false;
    try {
      await this.refresh();
      return true;
    } catch {
      sessionStorage.removeItem(REFRESH_KEY);
      return false;
    }
  }

  async logOut() {
    const token = sessionStorage.getItem(REFRESH_KEY);
    sessionStorage.removeItem(REFRESH_KEY);
    this.access = null;
    if (token) {
      await this.raw("POST", "/api/v1/auth/logout", { refresh_token: token }, false).catch(() => {});
    }
  }

  keep(pair) {
    this.access = pair.access_token;
    this.expiresAt = Date.now() + (pair.expires_in - 30) * 1000;
    sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
  }

  async refresh() {
    // one refresh at a time: a refresh token is spent on use
    this.refreshing ??= (async () => {
      try {
        const token = sessionStorage.getItem(REFRESH_KEY);
        if (!token) throw new ApiError(401, { code: "not_logged_in" });
        this.keep(await this.raw("POST", "/api/v1/auth/refresh", { refresh_token: token }, false));
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async get(path) {
    return this.call("GET", path);
  }

  async post(path, body = {}) {
    return this.call("POST", path, body);
  }

  async call(method, path, body) {
    if (this.access && Date.now() > this.expiresAt) await this.refresh().catch(() => {});
    try {
      return await this.raw(method, path, body, true);
    } catch (error) {
      if (error.status === 401 && error.code === "token_expired") {
        await this.refresh();
        return this.raw(method, path, body, true);
      }
      if (error.status === 401) {
        this.access = null;
        this.onLoggedOut();
      }
      throw error;
    }
  }

  // a file the API serves to the signed-in user (a photo) as an object URL for an <img>
  async blobUrl(path) {
    const response = await fetch(path, { headers: this.headers(true) });
    if (!response.ok) throw new ApiError(response.status, null);
    return URL.createObjectURL(await response.blob());
  }

  headers(auth) {
    const headers = { Accept: "application/json, application/geo+json, application/problem+json" };
    if (auth && this.access) headers.Authorization = `Bearer ${this.access}`;
    return headers;
  }

  async raw(method, path, body, auth) {
    const headers = this.headers(auth);
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // every page of a GeoJSON collection paged by `next_cursor`
  async allFeatures(path) {
    const features = [];
    let cursor = null;
    for (;;) {
      const sep = path.includes("?") ? "&" : "?";
      const page = await this.get(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
      features.push(...page.features);
      cursor = page.next_cursor;
      if (!cursor) return { type: "FeatureCollection", features };
    }
  }
}
