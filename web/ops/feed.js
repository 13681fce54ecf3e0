// The live feed: Server-Sent Events from the gateway, opened with a single-use stream ticket
// (an EventSource cannot send an Authorization header). Every reconnect asks for a new ticket
// and sends the last event id back, so that nothing is missed; no polling.

const BACKOFF_MS = [500, 1000, 2000, 5000, 10000];

export class Feed {
  constructor(api, { onEvent, onStatus, onReset }) {
    this.api = api;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onReset = onReset;
    this.lastId = null;
    this.source = null;
    this.failures = 0;
    this.stopped = false;
  }

  async start() {
    this.stopped = false;
    await this.connect();
  }

  stop() {
    this.stopped = true;
    this.source?.close();
    this.source = null;
    this.onStatus("offline");
  }

  async connect() {
    if (this.stopped) return;
    let url;
    try {
      const ticket = await this.api.post("/api/v1/ops/stream-tickets");
      url = ticket.stream_url;
      if (this.lastId) url += `&last_event_id=${encodeURIComponent(this.lastId)}`;
    } catch (error) {
      if (error.status === 401 || error.status === 403) return this.stop();
      return this.retry();
    }
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener("ready", (e) => {
      this.lastId = e.lastEventId || this.lastId;
      this.failures = 0;
      this.onStatus("live", JSON.parse(e.data));
    });
    source.addEventListener("reset", () => this.onReset());
    source.addEventListener("bye", () => {
      source.close();
      this.connect();
    });
    source.onmessage = (e) => {
      if (e.lastEventId) this.lastId = e.lastEventId;
      this.onEvent(JSON.parse(e.data));
    };
    source.onerror = () => {
      // the browser's own retry would present the spent ticket again: reconnect ourselves
      source.close();
      if (this.source === source) this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    this.onStatus("reconnecting");
    const wait = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
    this.failures += 1;
    setTimeout(() => this.connect(), wait);
  }
}
