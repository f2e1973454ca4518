// Live inbox: every server event is a hint to refetch; a reconnect refetches too, so a
// blip never leaves the page stale.
(function () {
  "use strict";
  let retry = 0;
  let refreshTimer = null;

  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => document.body.dispatchEvent(new Event("inbox-changed")), 150);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/inbox/`);
    socket.onopen = () => {
      if (retry > 0) refresh();
      retry = 0;
      document.body.dataset.live = "connected";
    };
    socket.onmessage = (e) => {
      const event = JSON.parse(e.data);
      document.body.dispatchEvent(new CustomEvent("inbox-event", { detail: event }));
      if (event.type === "message" || event.type === "conversation") refresh();
    };
    socket.onclose = () => {
      document.body.dataset.live = "reconnecting";
      retry += 1;
      setTimeout(connect, Math.min(1000 * 2 ** retry, 15000));
    };
  }

  connect();
})();
