// Follows a live log over a WebSocket: <pre data-log-follow="/path/ws">. Lines are inserted as text
// (never HTML). When the log ends, the page reloads once so the final status and buttons show.
(function () {
  function follow(element) {
    if (element.dataset.following) return;
    element.dataset.following = 'true';
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var socket = new WebSocket(scheme + location.host + element.dataset.logFollow);
    socket.onmessage = function (event) {
      var isAtBottom = element.scrollTop + element.clientHeight >= element.scrollHeight - 20;
      element.appendChild(document.createTextNode(event.data + '\n'));
      if (isAtBottom) element.scrollTop = element.scrollHeight;
    };
    socket.onclose = function () {
      if (element.dataset.reloadWhenDone === 'true')
        setTimeout(function () {
          location.reload();
        }, 300);
    };
  }
  function scan(root) {
    (root.querySelectorAll ? root : document).querySelectorAll('[data-log-follow]').forEach(follow);
  }
  document.addEventListener('DOMContentLoaded', function () {
    scan(document);
  });
  document.addEventListener('htmx:load', function (event) {
    scan(event.target);
  });
})();
