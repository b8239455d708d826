// The web terminal of a service: <section data-terminal="/services/<id>/terminal/ws">, xterm.js over a
// WebSocket. Keystrokes go out as binary frames (UTF-8, in chunks the server accepts), the terminal's
// output comes in as binary frames and is written to xterm as bytes; text frames are JSON notes
// ({type: open|exit|error|closing}) and, going out, resizes ({type: 'resize', cols, rows}).
(function () {
  var CHUNK = 1000; // the panel's WebSockets accept messages of at most 1 KiB
  var CLOSE_WORDS = {
    1000: 'The command ended.',
    1008: 'Your access changed: the terminal was closed.',
    4001: 'Closed after a while without input or output.',
    4002: 'Closed: the session reached its maximum length.',
    4003: 'Closed: too much input waiting.',
    1006: 'The terminal could not connect.',
    4004: 'The terminal could not start.',
  };

  // xterm's renderer writes its colours and cell sizes into <style> elements, which this panel's content
  // security policy (styles from files only) refuses. It gets inert <template> elements instead, whose
  // text is mirrored into one constructed style sheet (CSSOM, which the policy allows).
  var mirrored = [];
  var sheet = null;
  function installStyleMirror(host) {
    if (sheet || !('adoptedStyleSheets' in document)) return;
    sheet = new window.CSSStyleSheet();
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
    var create = document.createElement;
    document.createElement = function (name, options) {
      if (String(name).toLowerCase() !== 'style') return create.call(document, name, options);
      var stand = create.call(document, 'template');
      stand.dataset.xtermStyle = '';
      mirrored.push(stand);
      return stand;
    };
    var refresh = function () {
      mirrored = mirrored.filter(function (el) {
        return el.isConnected || !el.dataset.seen;
      });
      var text = mirrored
        .filter(function (el) {
          if (el.isConnected) el.dataset.seen = '1';
          return el.isConnected;
        })
        .map(function (el) {
          return el.textContent;
        })
        .join('\n');
      sheet.replaceSync(text);
    };
    new window.MutationObserver(refresh).observe(host, { childList: true, subtree: true, characterData: true });
  }

  function socketUrl(path, query) {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path + '?' + query;
  }

  function start(view) {
    if (view.dataset.ready || !window.Terminal || !window.FitAddon) return;
    view.dataset.ready = 'true';
    var form = view.querySelector('#terminal-form');
    var commandInput = view.querySelector('#terminal-command');
    var startButton = view.querySelector('#terminal-start');
    var stopButton = view.querySelector('#terminal-stop');
    var state = view.querySelector('#terminal-state');
    var screen = view.querySelector('#terminal-screen');
    installStyleMirror(screen);
    var term = new window.Terminal({
      cursorBlink: true,
      convertEol: false,
      scrollback: 2000,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 14,
    });
    var fit = new window.FitAddon.FitAddon();
    term.loadAddon(fit);
    term.open(screen);
    fit.fit();
    var socket = null;
    var encoder = new window.TextEncoder();

    function setConnected(isConnected) {
      startButton.disabled = isConnected;
      stopButton.disabled = !isConnected;
      commandInput.disabled = isConnected;
    }
    function sendBytes(bytes) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      for (var i = 0; i < bytes.length; i += CHUNK) socket.send(bytes.subarray(i, i + CHUNK));
    }
    term.onData(function (text) {
      sendBytes(encoder.encode(text));
    });
    term.onBinary(function (text) {
      var bytes = new Uint8Array(text.length);
      for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 255;
      sendBytes(bytes);
    });
    term.onResize(function (size) {
      if (socket && socket.readyState === WebSocket.OPEN)
        socket.send(JSON.stringify({ type: 'resize', cols: size.cols, rows: size.rows }));
    });
    var resizeTimer = null;
    window.addEventListener('resize', function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () {
        fit.fit();
      }, 100);
    });

    function connect() {
      fit.fit();
      var query = 'cols=' + term.cols + '&rows=' + term.rows;
      var command = commandInput.value.trim();
      if (command) query += '&command=' + encodeURIComponent(command);
      state.textContent = 'Connecting…';
      setConnected(true);
      // Asked first: a refused WebSocket says nothing the page could show.
      window
        .fetch(view.dataset.terminalCheck + '?' + query, { headers: { accept: 'application/json' } })
        .then(function (response) {
          if (response.ok) return open(query);
          return response.json().then(function (body) {
            refuse(body && body.error ? body.error.message : 'The terminal could not start.');
          });
        })
        .catch(function () {
          refuse('The terminal could not start: the panel did not answer.');
        });
    }
    function refuse(message) {
      state.textContent = message;
      setConnected(false);
    }
    function open(query) {
      var note = '';
      socket = new WebSocket(socketUrl(view.dataset.terminal, query));
      socket.binaryType = 'arraybuffer';
      socket.onmessage = function (event) {
        if (typeof event.data !== 'string') return term.write(new Uint8Array(event.data));
        var message = JSON.parse(event.data);
        if (message.type === 'open') {
          state.textContent = 'Connected: ' + message.command + ' in replica ' + message.replica + '.';
          term.focus();
        } else if (message.type === 'exit') {
          note = 'The command ended (exit code ' + (message.code === null ? 'unknown' : message.code) + ').';
        } else if (message.type === 'error') {
          note = message.message;
        }
      };
      socket.onclose = function (event) {
        state.textContent = note || CLOSE_WORDS[event.code] || 'Disconnected.';
        setConnected(false);
        socket = null;
      };
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!socket) connect();
    });
    stopButton.addEventListener('click', function () {
      if (!socket) return;
      socket.close(1000, 'closed by the person');
      state.textContent = 'Disconnecting…';
    });
  }

  function scan(root) {
    (root.querySelectorAll ? root : document).querySelectorAll('[data-terminal]').forEach(start);
  }
  // The vendor scripts load (deferred) after this page's markup: start once they are there.
  window.addEventListener('load', function () {
    scan(document);
  });
  document.addEventListener('DOMContentLoaded', function () {
    scan(document);
  });
  document.addEventListener('htmx:load', function (event) {
    scan(event.target);
  });
})();
