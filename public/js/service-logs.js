// The live runtime log of a service: <section data-service-log="/services/<id>/logs/ws" data-max-lines="2000">.
// Each WebSocket frame is JSON {line, at?, stream?, kind?}; text is inserted with textContent (never HTML).
// Filter by text and stream, pause/resume the follow, and keep at most data-max-lines lines in the page.
(function () {
  var PAD = function (n) {
    return n < 10 ? '0' + n : String(n);
  };
  function clock(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    return PAD(d.getHours()) + ':' + PAD(d.getMinutes()) + ':' + PAD(d.getSeconds());
  }

  function start(view) {
    if (view.dataset.following) return;
    view.dataset.following = 'true';
    var log = view.querySelector('.live-log');
    var filter = view.querySelector('#log-filter');
    var streamSelect = view.querySelector('#log-stream');
    var pauseButton = view.querySelector('#log-pause');
    var state = view.querySelector('#log-state');
    var maxLines = Number(view.dataset.maxLines) || 2000;
    var paused = false;
    var pending = [];
    var skippedWhilePaused = 0;
    var ended = null;

    function isVisible(el) {
      var wanted = streamSelect.value;
      if (wanted && el.dataset.stream !== wanted) return false;
      var text = filter.value.trim().toLowerCase();
      if (!text) return true;
      return el.lastChild.textContent.toLowerCase().indexOf(text) !== -1;
    }
    function lineElement(frame) {
      var el = document.createElement('span');
      el.className =
        'log-line' + (frame.kind ? ' log-' + frame.kind : '') + (frame.stream === 'stderr' ? ' log-stderr' : '');
      el.dataset.stream = frame.stream || '';
      if (frame.at) {
        var time = document.createElement('time');
        time.dateTime = frame.at;
        time.title = frame.at;
        time.textContent = clock(frame.at);
        el.appendChild(time);
        el.appendChild(document.createTextNode(' '));
      }
      var text = document.createElement('span');
      text.className = 'log-text';
      text.textContent = frame.line;
      el.appendChild(text);
      el.hidden = !isVisible(el);
      return el;
    }
    function append(frames) {
      var isAtBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
      var fragment = document.createDocumentFragment();
      frames.forEach(function (frame) {
        fragment.appendChild(lineElement(frame));
      });
      log.appendChild(fragment);
      while (log.childElementCount > maxLines) log.removeChild(log.firstElementChild);
      if (isAtBottom) log.scrollTop = log.scrollHeight;
    }
    function showState() {
      if (paused) {
        var waiting = pending.length + skippedWhilePaused;
        state.textContent =
          'Paused' + (waiting ? ' · ' + waiting + ' new line' + (waiting === 1 ? '' : 's') + ' waiting' : '');
      } else if (ended) {
        state.textContent = ended;
      } else {
        var shown = 0;
        for (var el = log.firstElementChild; el; el = el.nextElementSibling) if (!el.hidden) shown++;
        state.textContent =
          'Following live · ' +
          (shown === log.childElementCount
            ? shown + ' lines'
            : shown + ' of ' + log.childElementCount + ' lines shown');
      }
    }
    // Lines are added in batches (one layout per batch, not per line), so a burst of thousands stays cheap.
    var arriving = [];
    var flushTimer = null;
    function scheduleFlush() {
      if (flushTimer) return;
      flushTimer = setTimeout(function () {
        flushTimer = null;
        var batch = arriving.splice(0);
        append(batch.length > maxLines ? batch.slice(batch.length - maxLines) : batch);
        showState();
      }, 50);
    }
    // Coalesced: a flood of lines updates the status text at most every 100 ms.
    var stateTimer = null;
    function scheduleState() {
      if (stateTimer) return;
      stateTimer = setTimeout(function () {
        stateTimer = null;
        showState();
      }, 100);
    }
    function refilter() {
      for (var el = log.firstElementChild; el; el = el.nextElementSibling) el.hidden = !isVisible(el);
      showState();
    }

    filter.addEventListener('input', refilter);
    streamSelect.addEventListener('change', refilter);
    view.querySelector('form').addEventListener('submit', function (event) {
      event.preventDefault();
    });
    pauseButton.addEventListener('click', function () {
      paused = !paused;
      // Lines received but not yet shown wait with the others.
      if (paused) pending = pending.concat(arriving.splice(0));
      pauseButton.setAttribute('aria-pressed', paused ? 'true' : 'false');
      pauseButton.textContent = paused ? 'Resume' : 'Pause';
      if (!paused) {
        if (skippedWhilePaused)
          append([
            { line: '--- ' + skippedWhilePaused + ' line(s) arrived while paused and were not kept', kind: 'marker' },
          ]);
        append(pending);
        pending = [];
        skippedWhilePaused = 0;
      }
      showState();
    });

    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var socket = new WebSocket(scheme + location.host + view.dataset.serviceLog);
    socket.onopen = showState;
    socket.onmessage = function (event) {
      if (!document.body.contains(view)) return socket.close();
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        frame = { line: String(event.data), kind: 'marker' };
      }
      if (frame.kind === 'stopped' || frame.kind === 'error') ended = 'Not following: ' + frame.line;
      if (paused && !frame.kind) {
        pending.push(frame);
        if (pending.length > maxLines) {
          pending.shift();
          skippedWhilePaused++;
        }
      } else {
        arriving.push(frame);
        scheduleFlush();
      }
      scheduleState();
    };
    socket.onclose = function () {
      if (!ended) ended = 'The log ended.';
      if (arriving.length) append(arriving.splice(0));
      if (pending.length && !paused) append(pending.splice(0));
      showState();
    };
  }

  function scan(root) {
    (root.querySelectorAll ? root : document).querySelectorAll('[data-service-log]').forEach(start);
  }
  document.addEventListener('DOMContentLoaded', function () {
    scan(document);
  });
  document.addEventListener('htmx:load', function (event) {
    scan(event.target);
  });
})();
