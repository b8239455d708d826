// Follows a running deployment's log over its WebSocket: <pre data-live-log="/path/ws">. Lines are added as
// text (never HTML); a line that reads like an error is marked. The summary above moves on its own through
// the page's live stream (live.js); the end of the log refreshes it once more, without a reload.
(function () {
  var ERROR = /\b(error|failed|fatal|exception)\b|ERR!/i;
  function follow(element) {
    if (element.dataset.following) return;
    element.dataset.following = 'true';
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var socket = new WebSocket(scheme + location.host + element.dataset.liveLog);
    socket.onmessage = function (event) {
      var isAtBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - 20;
      var line = document.createElement('span');
      line.className = ERROR.test(event.data) ? 'log-line log-error' : 'log-line';
      line.textContent = event.data + '\n';
      element.appendChild(line);
      if (isAtBottom) element.scrollTop = element.scrollHeight;
    };
    socket.onclose = function () {
      element.dataset.ended = 'true';
      // The end of the log is the end of the deployment: the summary looks again, in case an event was
      // published before the page's live stream had opened.
      document.querySelectorAll('[data-live]').forEach(function (target) {
        if (window.htmx) window.htmx.trigger(target, 'live');
      });
    };
  }
  function scan(root) {
    (root.querySelectorAll ? root : document).querySelectorAll('[data-live-log]').forEach(follow);
  }
  document.addEventListener('DOMContentLoaded', function () {
    scan(document);
  });
  document.addEventListener('htmx:load', function (event) {
    scan(event.target);
  });
})();
