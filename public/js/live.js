// The page's live stream (src/http/routes/ui/live.routes.ts). An element <div data-live-stream="/live?...">
// opens one EventSource; each event names topics ("service:<id>", "deployment:<id>", ...), and every element
// with a matching data-live="topic ..." gets the htmx event "live" (its hx-trigger="live" fetches it again).
// Elements that also carry data-live-resync show a passing state (creating, running, requesting): they are
// fetched once more whenever the stream (re)opens, since what changed before it opened was never sent.
// Elements with data-elapsed-since="<ISO time>" show the time since then, counted every second.
(function () {
  var source = null;
  var url = null;
  function connect() {
    var element = document.querySelector('[data-live-stream]');
    var wanted = element ? element.getAttribute('data-live-stream') : null;
    if (wanted === url) return;
    if (source) source.close();
    source = null;
    url = wanted;
    if (!wanted) return;
    source = new window.EventSource(wanted);
    ['deployment', 'service', 'database', 'backup', 'certificate', 'stack'].forEach(function (type) {
      source.addEventListener(type, function (message) {
        var event = JSON.parse(message.data);
        document.body.setAttribute('data-live-last', type + ':' + (event.status || event.state || ''));
        (event.topics || []).forEach(function (topic) {
          document.querySelectorAll('[data-live]').forEach(function (target) {
            if (target.getAttribute('data-live').split(' ').indexOf(topic) >= 0 && window.htmx)
              window.htmx.trigger(target, 'live', event);
          });
        });
      });
    });
    source.addEventListener('open', function () {
      document.body.setAttribute('data-live-open', 'true');
      document.querySelectorAll('[data-live][data-live-resync]').forEach(function (target) {
        if (window.htmx) window.htmx.trigger(target, 'live', {});
      });
    });
  }
  function words(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var m = Math.floor(s / 60);
    return m > 0 ? m + ' min ' + (s % 60) + ' s' : s + ' s';
  }
  function tick() {
    document.querySelectorAll('[data-elapsed-since]').forEach(function (element) {
      var since = Date.parse(element.getAttribute('data-elapsed-since'));
      if (!isNaN(since)) element.textContent = words(Date.now() - since);
    });
  }
  document.addEventListener('DOMContentLoaded', connect);
  document.addEventListener('htmx:afterSettle', connect);
  window.addEventListener('pagehide', function () {
    if (source) source.close();
  });
  window.setInterval(tick, 1000);
})();
